from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("日志管理")

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (`apps.core.admin_site`). Named in
    INSTALLED_APPS; `apps.core` itself is CoreConfig."""

    default = False
    default_site = "apps.core.admin_site.PortalAdminSite"
