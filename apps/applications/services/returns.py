"""退回修改 that says exactly what to fix: the items the office ticks, the student's answers,
and what changed since the return (for the office, on resubmission)."""

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from apps.accounts.models import StudentProfile
from apps.attachments.models import Attachment
from apps.core.validators import plain_text

from ..models import (
    NOTE_MAX_LENGTH,
    REPLY_MAX_LENGTH,
    RETURNABLE_FIELDS,
    RETURNABLE_KEYS,
    RETURNABLE_SLOTS,
    ApplicationEvent,
    EventKind,
    ReturnItem,
    Status,
    key_label,
    value_text,
)
from .guards import ApplicationError


def returnable_keys(application):
    """What the office may tick: the fields and slots this student can change on the form
    (not the details the directory or the roster supplied, which the form locks)."""
    profile = StudentProfile.objects.filter(user_id=application.student_id).first()
    locked = set(profile.locked_fields) if profile else set()
    return [key for key in RETURNABLE_KEYS if key not in locked]


def clean_items(application, items):
    """{key: note} checked: each key a field or slot the student can change, each note
    present and short. Raises ApplicationError naming the first wrong one."""
    allowed = returnable_keys(application)
    cleaned = {}
    for key, note in (items or {}).items():
        if key not in allowed:
            raise ApplicationError(
                _("「%(key)s」不是学生可以在报名表中修改的内容，不能勾选为需修改的内容。")
                % {"key": str(key)[:40]},
                problems={"items": _("勾选的内容无效。")},
            )
        note = (note or "").strip()
        if not note:
            raise ApplicationError(
                _("请填写「%(item)s」的修改说明。") % {"item": key_label(key)},
                problems={f"note_{key}": _("请填写修改说明。")},
            )
        cleaned[key] = _checked_text(note, NOTE_MAX_LENGTH, key, f"note_{key}")
    return cleaned


def _checked_text(text, limit, key, problem):
    """A note or a reply: one line of plain text within `limit` characters."""
    if len(text) > limit:
        raise ApplicationError(
            _("「%(item)s」的说明最多 %(limit)s 个字，请删减后再试。")
            % {"item": key_label(key), "limit": limit},
            problems={problem: _("最多 %(limit)s 个字。") % {"limit": limit}},
        )
    try:
        plain_text(text)
    except ValidationError as error:
        raise ApplicationError(
            _("「%(item)s」的说明有误：%(reason)s")
            % {"item": key_label(key), "reason": error.messages[0]},
            problems={problem: error.messages[0]},
        ) from None
    return text


def record_return_items(application, event, items):
    """At the return: a row for every returnable field and slot with its value now, the
    ticked ones (`items`, already cleaned) with their 修改说明."""
    ReturnItem.objects.bulk_create(
        ReturnItem(
            application=application,
            event=event,
            key=key,
            requested=key in items,
            note=items.get(key, ""),
            old_value=value_text(application, key),
        )
        for key in RETURNABLE_KEYS
    )


def save_replies(application, replies):
    """The student's 回复说明 per ticked item ({key: text}); unknown keys are ignored,
    a blank reply clears it. Returns the items changed."""
    if not replies:
        return []
    changed = []
    for item in application.open_return_items():
        if item.key not in replies:
            continue
        reply = _checked_text(
            (replies[item.key] or "").strip(), REPLY_MAX_LENGTH, item.key, f"reply_{item.key}"
        )
        if reply != item.reply:
            item.reply = reply
            item.save(update_fields=["reply"])
            changed.append(item)
    return changed


def last_return_event(application):
    return (
        ApplicationEvent.objects.filter(
            application=application, kind=EventKind.STATUS, to_value=Status.RETURNED
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def changes_since_return(application):
    """退回后的修改, for the office: the latest return's items (ticked first), each with the
    value then and now, whether it changed and the student's answer; the files of a slot
    then (superseded versions included) and now. None when never returned."""
    items = application.last_return_items()
    if not items:
        return None
    event = application._last_return_event
    old_ids = {pk for item in items for pk in item.old_file_ids()}
    files = {
        a.pk: a
        for a in Attachment.versions.filter(application=application).order_by("uploaded_at", "pk")
    }
    rows = []
    for item in items:
        changed = item.is_changed(application)
        if not (item.requested or changed):
            continue
        row = {
            "item": item,
            "label": item.label,
            "requested": item.requested,
            "changed": changed,
            "reply": item.reply,
            "is_slot": item.is_slot,
        }
        if item.is_slot:
            row["old_files"] = [files[pk] for pk in item.old_file_ids() if pk in files]
            row["new_files"] = [
                a
                for a in files.values()
                if a.kind == item.key and a.superseded_at is None and a.pk not in old_ids
            ]
            row["kept_files"] = [
                a
                for a in files.values()
                if a.kind == item.key and a.superseded_at is None and a.pk in old_ids
            ]
        else:
            row["old"] = display_value(application, item.key, item.old_value)
            row["new"] = display_value(application, item.key, value_text(application, item.key))
        rows.append(row)
    rows.sort(key=lambda row: not row["requested"])
    return {"event": event, "rows": rows, "resubmitted": application.status != Status.RETURNED}


def current_values(application):
    """{field or slot: what it holds now, as people read it}: for the clerk ticking items."""
    prefetch_related_objects([application], "attachments")
    values = {}
    for key in RETURNABLE_KEYS:
        if key in RETURNABLE_SLOTS:
            names = [a.original_name for a in application.attachments.all() if a.kind == key]
            values[key] = _("、").join(names) if names else _("（未上传）")
        else:
            values[key] = display_value(application, key, value_text(application, key))
    return values


def display_value(application, key, text):
    """A kept value as people read it: choice labels, 是/否, （空）."""
    if text in ("", None):
        return _("（空）")
    if key in RETURNABLE_FIELDS:
        field = application._meta.get_field(key)
        if key == "has_passport":
            return {"True": _("是"), "False": _("否")}.get(text, text)
        if field.choices:
            return dict(field.flatchoices).get(text, text)
    return text


__all__ = [
    "RETURNABLE_SLOTS",
    "changes_since_return",
    "current_values",
    "clean_items",
    "display_value",
    "last_return_event",
    "record_return_items",
    "returnable_keys",
    "save_replies",
]
