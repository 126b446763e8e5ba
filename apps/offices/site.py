"""The portal's admin site: Django's, named for the offices, without the app sidebar,
and with the list of models built only when a page shows it; and an action form whose
drop-down is rendered once per process for each set of actions.

Django builds that list (`get_app_list`: a permission check per registered model) for
every admin page, for the sidebar. The sidebar is off (wide lists matter more to the
clerks), so the list is left lazy: only the index pages, which show it, build it. On the
offices' application list that was ~7 % of the page.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("交换项目管理后台")
    site_title = _("交换项目管理后台")
    index_title = _("出国（境）事务管理")
    enable_nav_sidebar = False

    def login(self, request, extra_context=None):
        # With 统一身份认证 (CAS) on, clerks sign in there: the portal's login page has its
        # button, and the local-account form for the break-glass administrator.
        if "cas" in settings.AUTH_METHODS and not request.user.is_authenticated:
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or resolve_url("admin:index")
            query = urlencode({REDIRECT_FIELD_NAME: next_url})
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        return super().login(request, extra_context)

    # The index lists the apps in the order of the offices' work, not by their names' code
    # points (Django sorts by name: 总结管理 came first, 报名管理 third).
    APP_ORDER = [
        "applications",
        "programs",
        "scores",
        "summaries",
        "attachments",
        "accounts",
        "core",
        "auth",
    ]

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)

        def build():
            apps = super(PortalAdminSite, self).get_app_list(request)
            order = {label: index for index, label in enumerate(self.APP_ORDER)}
            return sorted(apps, key=lambda app: order.get(app["app_label"], len(order)))

        return SimpleLazyObject(build)


class RememberedSelect(forms.Select):
    """A <select> whose HTML is kept per process, keyed by everything it is made of (name,
    value, attributes, choices as shown, language): rendering it through the form
    templates costs ~1.5 ms, and an admin list shows the same actions on every view."""

    rendered = {}
    MAX_KEPT = 256

    def render(self, name, value, attrs=None, renderer=None):
        key = (
            name,
            repr(value),
            repr(sorted({**self.attrs, **(attrs or {})}.items())),
            tuple((str(choice), str(label)) for choice, label in self.choices),
            translation.get_language(),
        )
        html = self.rendered.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(self.rendered) < self.MAX_KEPT:
                self.rendered[key] = html
        return html


class ActionForm(helpers.ActionForm):
    """Django's action form (`ModelAdmin.action_form`) with the remembered drop-down."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].widget = RememberedSelect()
