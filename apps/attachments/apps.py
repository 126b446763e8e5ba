from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "apps.attachments"
    verbose_name = _("附件管理")

    def ready(self):
        from . import signals  # noqa: F401  (deletes files with their rows)
