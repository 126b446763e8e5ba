"""What a 退回修改 asks the student to fix: one row per field or attachment slot the
student can change, with the value it held at the return (to tell what changed since).

Every returnable item gets a row at the return, ticked or not: the ticked ones
(`requested`) carry the clerk's 修改说明 and block 提交 until changed or answered; the
others let the office see every change since the return, not only the asked ones.
The old values are personal data (names, phone, passport number): encrypted at rest.
"""

import datetime
import json
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.models import PERSONAL_FIELDS
from apps.attachments.models import AttachmentKind
from apps.core.fields import EncryptedCharField

# The form's fields a student can change (the slots are AttachmentKind values).
RETURNABLE_FIELDS = (
    *PERSONAL_FIELDS,
    "language_test",
    "language_score",
    "has_passport",
    "passport_number",
    "passport_expiry",
)
RETURNABLE_SLOTS = (AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT, AttachmentKind.LANGUAGE)
RETURNABLE_KEYS = (*RETURNABLE_FIELDS, *RETURNABLE_SLOTS)

NOTE_MAX_LENGTH = 200
REPLY_MAX_LENGTH = 200


def value_text(application, key):
    """A field's value, or a slot's current files (their ids), as the text kept at a return."""
    if key in RETURNABLE_SLOTS:
        ids = sorted(a.pk for a in application.attachments.all() if a.kind == key)
        return json.dumps(ids)
    value = getattr(application, key)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def key_label(key):
    """The interface's name of a field or a slot (姓名, 中英文成绩单（附件）…)."""
    from .application import Application

    if key in RETURNABLE_SLOTS:
        return AttachmentKind(key).label
    return Application._meta.get_field(key).verbose_name


class ReturnItem(models.Model):
    """One field or slot at one 退回修改: ticked by the clerk or only remembered."""

    application = models.ForeignKey(
        "Application",
        on_delete=models.CASCADE,
        related_name="return_items",
        verbose_name=_("报名申请"),
        db_index=False,  # return_item_event_idx covers the application's latest return
    )
    event = models.ForeignKey(
        "ApplicationEvent",
        on_delete=models.CASCADE,
        related_name="return_items",
        verbose_name=_("退回记录"),
        db_index=False,  # one_return_item_per_key leads with it
    )
    key = models.CharField(_("内容"), max_length=40)
    requested = models.BooleanField(_("需修改"), default=False)
    note = models.CharField(_("修改说明"), max_length=NOTE_MAX_LENGTH, blank=True)
    # Encrypted: the old value of any personal field (the passport number among them).
    old_value = EncryptedCharField(_("退回时的内容"), max_length=2000, blank=True)
    reply = models.CharField(_("回复说明"), max_length=REPLY_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("需修改的内容")
        verbose_name_plural = pgettext_lazy("plural", "需修改的内容")
        ordering = ["pk"]
        indexes = [models.Index(fields=["application", "event"], name="return_item_event_idx")]
        constraints = [
            models.UniqueConstraint(fields=["event", "key"], name="one_return_item_per_key"),
            models.CheckConstraint(
                condition=models.Q(key__in=RETURNABLE_KEYS), name="return_item_key_returnable"
            ),
        ]

    def __str__(self):
        return str(self.label)

    @property
    def label(self):
        return key_label(self.key)

    @property
    def is_slot(self):
        return self.key in RETURNABLE_SLOTS

    def old_file_ids(self):
        return json.loads(self.old_value or "[]") if self.is_slot else []

    def is_changed(self, application):
        """Whether the field's value differs from the one kept at the return, or the slot's
        files are not the ones it held then (a file replaced, added or removed)."""
        return value_text(application, self.key) != self.old_value

    def is_resolved(self, application):
        """已修改, or answered by the student: either way it no longer blocks 提交."""
        return bool(self.reply.strip()) or self.is_changed(application)
