"""The audit log (django-auditlog) as the offices read it: in Chinese, field by field;
and `save_audited`, a save whose entry is diffed against a row the caller already read."""

import copy

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.db.models import BooleanField
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("创建"),
    LogEntry.Action.UPDATE: gettext_lazy("修改"),
    LogEntry.Action.DELETE: gettext_lazy("删除"),
    LogEntry.Action.ACCESS: gettext_lazy("查看"),
}


# A yes/no field is logged as Python writes it ("False"); people read 是/否.
YES_NO = {"True": gettext_lazy("是"), "False": gettext_lazy("否")}


def display_changes(entry):
    """{field's name: [old, new]} in the interface's words: choice labels and dates as
    django-auditlog shows them, 是/否 for a yes/no field, masked fields still masked."""
    model = entry.content_type.model_class()
    yes_no = {
        str(field.verbose_name)
        for field in (model._meta.get_fields() if model else [])
        if isinstance(field, BooleanField)
    }
    return {
        label: [YES_NO.get(v, v) for v in values] if str(label) in yes_no else values
        for label, values in entry.changes_display_dict.items()
    }


def action_label(entry):
    return ACTIONS.get(entry.action, entry.action)


def actor_label(entry):
    if entry.actor is None:
        return _("系统")
    return entry.actor.get_full_name() or entry.actor.get_username()


def _value(value, truncate=None):
    if value in ("None", "", None):
        return _("（空）")
    value = str(value)
    return value[:truncate] + "…" if truncate and len(value) > truncate else value


def changes_html(entry, truncate=None):
    """字段: 原值 → 新值, one line per field."""
    rows = [
        (
            field,
            _value(values[0], truncate) if len(values) > 1 else "",
            _value(values[-1], truncate),
        )
        for field, values in display_changes(entry).items()
    ]
    # A service's own line kept with the entry (e.g. what a return asked to fix).
    data = entry.additional_data
    summary = data.get("summary") if isinstance(data, dict) else None
    if not rows and not summary:
        return "—"
    html = format_html_join(
        "",
        '<div class="audit-change"><strong>{}</strong>：<del>{}</del> → <ins>{}</ins></div>',
        rows,
    )
    if summary:
        html += format_html('<div class="audit-note">{}</div>', summary)
    return html


def history_html(obj, limit=20):
    """The object's last changes, newest first, for a read-only field on its admin page."""
    entries = list(
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )
    if not entries:
        return _("暂无修改记录。")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (f"{localtime(e.timestamp):%Y-%m-%d %H:%M}", actor_label(e), action_label(e))
            + (changes_html(e),)
            for e in entries
        ),
    )
    return format_html(
        '<table class="audit-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
        "</tr></thead><tbody>{}</tbody></table>",
        _("时间"),
        _("操作人"),
        _("操作"),
        _("修改内容"),
        rows,
    )


def snapshot(instance):
    """The row's values as read, to diff against once changed (see `save_audited`)."""
    return copy.copy(instance)


def save_audited(instance, old, update_fields, additional_data=None):
    """`instance.save(update_fields=...)`, logged as django-auditlog logs it (the same
    masked, field-by-field entry) but diffed against `old`, the row as the caller read it
    under its lock (`snapshot`): auditlog's own receiver would read the row once more.
    `additional_data` (a dict, e.g. the reason of a correction) is kept with the entry."""
    with disable_auditlog():
        instance.save(update_fields=update_fields)
    changes = model_instance_diff(
        old,
        instance,
        fields_to_check=update_fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )
    if changes:
        LogEntry.objects.log_create(
            instance,
            action=LogEntry.Action.UPDATE,
            changes=changes,
            **({"additional_data": additional_data} if additional_data else {}),
        )
