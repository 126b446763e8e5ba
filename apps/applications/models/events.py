"""The history of an application: every move, who made it, when, and the comment."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import AdmissionResult, LanguageTest, Status


class EventKind(models.TextChoices):
    STATUS = "status", _("审核状态")
    ADMISSION = "admission", _("录取结果")
    SCORE = "score", _("补录分数")
    SUMMARY = "summary", _("交流总结")
    # Corrections of a decision or a result (撤销), each with the reason in `comment`.
    REVIEW_REVERTED = "review_reverted", _("撤销审核")
    ADMISSION_REVERTED = "admission_reverted", _("撤销录取结果")


# Which field each kind of event moves (the status chain and the result chain).
STATUS_KINDS = (EventKind.STATUS, EventKind.REVIEW_REVERTED)
ADMISSION_KINDS = (EventKind.ADMISSION, EventKind.ADMISSION_REVERTED)


# What a status move means to the student reading the timeline, by (from, to).
STATUS_HEADLINES = {
    ("", Status.DRAFT): _("创建报名草稿"),
    (Status.DRAFT, Status.SUBMITTED): _("提交申请"),
    (Status.RETURNED, Status.SUBMITTED): _("修改后重新提交"),
    (Status.SUBMITTED, Status.WITHDRAWN): pgettext_lazy("event", "撤回申请"),
    (Status.WITHDRAWN, Status.DRAFT): _("重新报名"),
    (Status.SUBMITTED, Status.RETURNED): _("退回修改"),
    (Status.SUBMITTED, Status.APPROVED): _("审核通过"),
    (Status.SUBMITTED, Status.REJECTED): _("审核不通过"),
}


class ApplicationEvent(models.Model):
    """One recorded move of an application: who, when, from, to, and the comment."""

    # Indexed by event_timeline_idx, which it leads (no index of its own to write).
    application = models.ForeignKey(
        "Application",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("报名申请"),
        db_index=False,
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=EventKind.choices, default=EventKind.STATUS
    )
    from_value = models.CharField(_("原值"), max_length=20, blank=True)
    to_value = models.CharField(_("新值"), max_length=20)
    comment = models.TextField(_("意见"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("申请记录")
        verbose_name_plural = pgettext_lazy("plural", "申请记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"], name="event_timeline_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.from_label} → {self.to_label}"

    def _label(self, value):
        if self.kind == EventKind.SCORE and " " in value:  # "ielts 7" → "雅思 IELTS 7"
            test, score = value.split(" ", 1)
            if test in LanguageTest.values:
                return f"{LanguageTest(test).label} {score}"
        if self.kind == EventKind.SUMMARY:
            return _("已提交")
        choices = (
            Status
            if self.kind in STATUS_KINDS
            else AdmissionResult
            if self.kind in ADMISSION_KINDS
            else None
        )
        if choices and value in choices.values:
            return choices(value).label
        return value

    @property
    def from_label(self):
        return self._label(self.from_value)

    @property
    def to_label(self):
        return self._label(self.to_value)

    @property
    def requested_return_items(self):
        """需修改的内容 a 退回修改 ticked (the email, the timeline); [] for other events."""
        if self.kind != EventKind.STATUS or self.to_value != Status.RETURNED:
            return []
        return [item for item in self.return_items.all() if item.requested]

    @property
    def acted_by(self):
        """Who made the move, as the student reads it: 本人, or the office of the program's
        track, never a clerk's login name (the office sees the person in admin)."""
        if self.actor_id is not None and self.actor_id == self.application.student_id:
            return _("本人")
        return self.application.program.words["office"]

    @property
    def headline(self):
        """One line for the timeline: 提交申请, 退回修改, 录取结果：录取 …"""
        if self.kind in (EventKind.REVIEW_REVERTED, EventKind.ADMISSION_REVERTED):
            # 撤销审核（原为审核通过）: what was undone, the reason is the comment.
            return _("%(kind)s（原为%(value)s）") % {
                "kind": self.get_kind_display(),
                "value": self.from_label,
            }
        if self.kind == EventKind.STATUS:
            known = STATUS_HEADLINES.get((self.from_value, self.to_value))
            if known:
                return known
        return _("%(kind)s：%(value)s") % {"kind": self.get_kind_display(), "value": self.to_label}
