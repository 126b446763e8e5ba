from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OfficesConfig(AppConfig):
    """The offices' back-office: every ModelAdmin and admin page. No models of its own, so
    no verbose_name: it never shows on the admin index."""

    name = "apps.offices"


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (`apps.offices.site`). Named in
    INSTALLED_APPS; `apps.offices` itself is OfficesConfig."""

    default = False
    default_site = "apps.offices.site.PortalAdminSite"
