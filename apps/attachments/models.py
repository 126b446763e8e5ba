import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AttachmentKind(models.TextChoices):
    TRANSCRIPT = "transcript", _("中英文成绩单（附件）")
    ENROLLMENT = "enrollment", _("中英文在读证明（附件）")
    LANGUAGE = "language", _("外语水平证明（附件）")
    SCORE_PROOF = "score_proof", _("补录分数证明")
    # Shown as 回国总结附件 or 交流总结附件 by the program's region (TRACK_WORDS).
    SUMMARY = "summary", _("交流总结附件")


def attachment_path(instance, filename):
    """A generated name: the student's file name is kept in a column, never on disk."""
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class CurrentAttachments(models.Manager):
    """The files in their slots now: a version replaced after a 退回修改 is left out of
    every list, count, check, printed form and zip (its application's `attachments` too)."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at=None)


class AllVersions(models.Manager):
    """Every file of the slot's history, superseded versions included."""


class Attachment(models.Model):
    # A lazy reference: applications sits a floor above and imports this app.
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("报名申请"),
        db_index=False,  # attachment_slot_idx leads with it
    )
    kind = models.CharField(_("附件类型"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Set by purge_attachments when the retention period ended: the file is gone, the row
    # stays so that the application still shows what was submitted (see README).
    purged_at = models.DateTimeField(_("清理时间"), null=True, blank=True)
    # Set when the student removed or replaced the file while the application was out for
    # revision (退回修改): the row and file stay for the office to compare, never shown to
    # the student or anyone else (see `versions` and the download view).
    superseded_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    objects = CurrentAttachments()
    # Every version, superseded ones included: for the office's diff, retention, backups.
    versions = AllVersions()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = pgettext_lazy("plural", "附件")
        ordering = ["uploaded_at", "pk"]
        # Cascades and forward relations reach every version, superseded ones too.
        base_manager_name = "versions"
        indexes = [models.Index(fields=["application", "kind"], name="attachment_slot_idx")]

    def __str__(self):
        return self.original_name

    @property
    def is_superseded(self):
        return self.superseded_at is not None

    @property
    def is_purged(self):
        return self.purged_at is not None

    @property
    def kind_label(self):
        if self.kind == AttachmentKind.SUMMARY:
            return self.application.program.words["summary_attachment"]
        return self.get_kind_display()
