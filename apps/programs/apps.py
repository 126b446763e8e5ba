from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "apps.programs"
    verbose_name = _("项目管理")

    def ready(self):
        from . import catalog_cache  # noqa: F401  (a saved program renews the cached pages)
