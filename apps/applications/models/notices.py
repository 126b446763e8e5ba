"""What the student is told: home-page notices and the one deadline reminder per draft."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .events import ApplicationEvent


class NoticeQuerySet(models.QuerySet):
    def unread_for(self, user):
        return self.filter(student=user, read_at=None).select_related("event__application__program")


class Notice(models.Model):
    """What the office decided, shown on the student's home page until dismissed.

    Made in the same transaction as the history row it announces (`event`), so that a
    rolled-back decision leaves no notice behind; the email goes only after commit.
    """

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("学生"),
        db_index=False,  # notice_unread_idx leads with it
    )
    event = models.OneToOneField(
        ApplicationEvent, on_delete=models.CASCADE, related_name="notice", verbose_name=_("记录")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "read_at"], name="notice_unread_idx")]

    def __str__(self):
        return f"{self.event.application} · {self.event.headline}"


class DraftReminder(models.Model):
    """The one reminder an unsubmitted application gets before its program closes.

    One row per application (and so per student per program): `remind_drafts` may run
    twice a day and still remind once. The row is claimed before the email is queued and
    marked sent when the mail server took it; a send that failed for good deletes it.
    """

    application = models.OneToOneField(
        "Application",
        on_delete=models.CASCADE,
        related_name="draft_reminder",
        verbose_name=_("报名申请"),
    )
    claimed_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("截止提醒")
        verbose_name_plural = pgettext_lazy("plural", "截止提醒")

    def __str__(self):
        return str(self.application)
