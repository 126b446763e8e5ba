"""填写交流总结: save while drafting, submit once; admitted applications only."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.applications.models import EventKind
from apps.applications.services import (
    ApplicationError,
    UploadNotStored,
    files_removed_on_failure,
    locked_application,
    record_event,
    replace_files_keeping_the_rest,
)
from apps.attachments.models import AttachmentKind

from .models import ReturnSummary, return_date_error, summary_closed_reason

SUBMITTED = "submitted"


def _open_summary(application):
    """The locked application's summary, created on first use, if it may still change."""
    if reason := summary_closed_reason(application):
        raise ApplicationError(reason)
    summary, _created = ReturnSummary.objects.get_or_create(application=application)
    if summary.is_submitted:
        raise ApplicationError(_("交流总结已提交，不能再修改。"))
    return summary


def save_summary(*, application, user, changes, new_files=(), remove_ids=()):
    """保存: the return date (if given and valid) and the summary files, not yet submitted."""
    with files_removed_on_failure() as stored, transaction.atomic():
        application = locked_application(application)
        summary = _open_summary(application)
        for name, value in changes.items():
            setattr(summary, name, value)
        summary.save()
        slots = (AttachmentKind.SUMMARY,)
        failed = replace_files_keeping_the_rest(application, slots, new_files, remove_ids, stored)
    if failed:
        raise UploadNotStored(failed.name, then=_("其余内容已保存。"))
    return summary


def summary_problems(summary, program):
    """What stops a summary from being submitted, as {field or slot: message}."""
    problems = {}
    label = program.words["return_date"]
    if summary.return_date is None:
        problems["return_date"] = _("请填写%(field)s。") % {"field": label}
    elif error := return_date_error(program, summary.return_date):
        problems["return_date"] = error
    if not summary.attachments.exists():
        problems[AttachmentKind.SUMMARY] = _("请上传%(slot)s。") % {
            "slot": program.words["summary_attachment"]
        }
    return problems


def submit_summary(*, application, user):
    """提交: the summary becomes read-only, for the student and the office alike."""
    with transaction.atomic():
        application = locked_application(application)
        summary = _open_summary(application)
        problems = summary_problems(summary, application.program)
        if problems:
            raise ApplicationError(
                _("交流总结还不完整，请按提示补充后再提交；已填写的内容都已保存。"),
                problems=problems,
            )
        summary.submitted_at = timezone.now()
        summary.save(update_fields=["submitted_at", "updated_at"])
        record_event(application, actor=user, kind=EventKind.SUMMARY, to_value=SUBMITTED)
    return summary
