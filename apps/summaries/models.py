from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.applications.models import Application
from apps.attachments.models import AttachmentKind


def return_date_error(program, day, today=None):
    """Why `day` cannot be the return date of `program`, or None: not in the future (the
    summary is written after coming back), not before the program started."""
    today = today or timezone.localdate()
    label = program.words["return_date"]
    if day > today:
        return _("%(field)s不能晚于今天。") % {"field": label}
    if day < program.start_date:
        return _("%(field)s不能早于项目开始日期（%(start)s）。") % {
            "field": label,
            "start": program.start_date.isoformat(),
        }
    return None


def summary_closed_reason(application):
    """Why 填写交流总结 is not open for `application` (not admitted, or the program has
    not started yet), or None when it is."""
    if application.summary_opens_on is None:
        return _("只有被录取的申请才能填写交流总结。")
    if not application.summary_is_open():
        return _("交流总结从项目开始日期（%(date)s）起可以填写。") % {
            "date": application.summary_opens_on.isoformat()
        }
    return None


class ReturnSummary(models.Model):
    """填写交流总结: editable until submitted, then read-only.

    Its files are the application's Attachments of kind summary.
    """

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="return_summary",
        verbose_name=_("报名申请"),
    )
    # Labelled 回国时间 or 返境时间 by the program's region (TRACK_WORDS).
    return_date = models.DateField(_("回国时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交流总结")
        verbose_name_plural = pgettext_lazy("plural", "交流总结")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(return_date__isnull=False),
                name="summary_submitted_with_return_date",
            )
        ]

    def __str__(self):
        return str(self.application)

    @property
    def is_submitted(self):
        return self.submitted_at is not None

    @property
    def attachments(self):
        return self.application.attachments.filter(kind=AttachmentKind.SUMMARY)
