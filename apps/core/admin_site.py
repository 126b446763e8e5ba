"""The portal's admin site: Django's, named for the offices, without the app sidebar,
and with the list of models built only when a page shows it.

Django builds that list (`get_app_list`: a permission check per registered model) for
every admin page, for the sidebar. The sidebar is off (wide lists matter more to the
clerks), so the list is left lazy: only the index pages, which show it, build it. On the
offices' application list that was ~7 % of the page.
"""

from django.contrib import admin
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("交换项目管理后台")
    site_title = _("交换项目管理后台")
    index_title = _("出国（境）事务管理")
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request))
