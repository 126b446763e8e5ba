from auditlog.models import LogEntry
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(LogEntry):
    """django-auditlog's entries under the portal's own name (the package has no Chinese)."""

    class Meta:
        proxy = True
        verbose_name = _("操作日志")
        verbose_name_plural = pgettext_lazy("plural", "操作日志")

    def __str__(self):
        from .audit import action_label

        return f"{action_label(self)} · {self.object_repr}"
