from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("日志管理")

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)
