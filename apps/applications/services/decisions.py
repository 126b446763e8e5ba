"""The offices' decisions: review (审核通过 / 审核不通过 / 退回修改), the partner school's
admission results (one at a time or a whole file), and their corrections (撤销)."""

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from apps.core import audit

from .. import results
from ..models import (
    REVERT_ADMISSION_PERMISSION,
    REVERT_REVIEW_PERMISSION,
    AdmissionResult,
    EventKind,
    Status,
    key_label,
    staff_regions,
)
from . import returns
from .guards import ApplicationError, _move, form_changed, locked_application, record_event

# --- Review by the track's office (审核通过 / 审核不通过 / 退回修改) ---------------------------


def _review(application, *, actor, to, comment, items=None):
    """待审核 → `to`, by staff of the application's track; the comment goes to the student.
    A return may carry `items` ({field or slot: 修改说明}, see services.returns)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        application = locked_application(application)
        if not (actor.is_superuser or application.program.region in staff_regions(actor)):
            raise ApplicationError(
                _("%(application)s 不属于你所在办公室负责的项目，不能审核。")
                % {"application": application.label}
            )
        if application.status != Status.SUBMITTED:
            raise ApplicationError(
                _("%(application)s 当前为「%(status)s」，只有待审核的申请可以审核。")
                % {"application": application.label, "status": application.get_status_display()}
            )
        if to in COMMENT_REQUIRED and not comment:
            raise ApplicationError(
                _("%(decision)s需要填写意见，学生会看到这条意见。")
                % {"decision": Status(to).label},
                problems={"comment": _("请填写意见。")},
            )
        if to != Status.RETURNED:
            return _move(application, to=to, actor=actor, comment=comment)
        items = returns.clean_items(application, items)
        if items:
            # Kept with the status change's audit entry (Application.get_additional_data).
            application._audit_data = {
                "return_items": [
                    {"key": key, "label": str(key_label(key)), "note": note}
                    for key, note in items.items()
                ],
                "summary": _("需修改的内容：%(items)s")
                % {
                    "items": _("；").join(
                        f"{key_label(key)}（{note}）" for key, note in items.items()
                    )
                },
            }
        prefetch_related_objects([application], "attachments")  # the slots' files now
        application = _move(application, to=to, actor=actor, comment=comment)
        returns.record_return_items(application, application._last_event, items)
        return application


# The student must be told why: a rejection or a return without a comment is refused.
COMMENT_REQUIRED = (Status.REJECTED, Status.RETURNED)


def approve_application(*, application, actor, comment=""):
    """审核通过: submitted → approved; the partner school's answer comes later."""
    return _review(application, actor=actor, to=Status.APPROVED, comment=comment)


def reject_application(*, application, actor, comment):
    """审核不通过: submitted → rejected, with the reason the student will read."""
    return _review(application, actor=actor, to=Status.REJECTED, comment=comment)


def return_application(*, application, actor, comment, items=None):
    """退回修改: submitted → returned; the student edits and submits again. `items` maps
    the fields and slots to fix to the clerk's 修改说明 (需修改的内容); none is fine
    (a batch return carries the overall comment only)."""
    return _review(application, actor=actor, to=Status.RETURNED, comment=comment, items=items)


def _refuse_other_track(application, actor):
    if not actor.is_superuser and application.program.region not in staff_regions(actor):
        raise ApplicationError(
            _("该申请属于「%(track)s」项目，你不能录入其录取结果。")
            % {"track": application.program.get_region_display()}
        )


def set_admission_result(*, application, result, actor):
    """录取 / 未录取 from the partner school, on an approved application of the actor's track.

    Setting the value it already has changes nothing and records nothing.
    """
    if result not in (AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED):
        raise ApplicationError(_("录取结果只能是「录取」或「未录取」。"))
    with transaction.atomic():
        application = locked_application(application)
        _refuse_other_track(application, actor)
        if application.status != Status.APPROVED:
            raise ApplicationError(
                _("该申请为「%(status)s」，只有审核通过的申请才能录入录取结果。")
                % {"status": application.get_status_display()}
            )
        old = application.admission_result
        if old == result:
            return application
        if conflict := results.summary_conflict(application, result):
            raise ApplicationError(conflict)
        application.admission_result = result
        application.save(update_fields=["admission_result", "updated_at"])
        record_event(
            application, actor=actor, kind=EventKind.ADMISSION, from_value=old, to_value=result
        )
        form_changed(application)
        return application


def import_admission_results(*, rows, actor, valid_only=False):
    """Write a whole result file or nothing: every row is checked again, under lock,
    against the database as it is now. Returns the preview of what was written; raises
    `ImportRefused` (carrying the fresh preview) when any row is an error.

    With `valid_only` (the clerk's explicit 只导入有效行) the error rows are left out and
    the valid ones written; the returned preview still lists the errors."""
    with transaction.atomic():
        preview = results.build_preview(rows, actor=actor, lock=True)
        if preview.errors and not valid_only:
            raise ImportRefused(preview)
        for row in preview.changes:
            application = row.application
            application.admission_result = row.new
            application.save(update_fields=["admission_result", "updated_at"])
            record_event(
                application,
                actor=actor,
                kind=EventKind.ADMISSION,
                from_value=row.old,
                to_value=row.new,
            )
            form_changed(application)
        return preview


class ImportRefused(ApplicationError):
    """A result file with error rows: nothing was written; `preview` says why."""

    def __init__(self, preview):
        super().__init__(
            _("有 %(count)s 行有误，未写入任何录取结果。请修改文件后重新上传。")
            % {"count": len(preview.errors)}
        )
        self.preview = preview


# --- Corrections: 撤销审核 by the track's office head, 撤销录取结果 by the administrator ---


# A decision may be taken back to 待审核 from these (a withdrawn one never was decided).
REVERTIBLE_STATUSES = (Status.APPROVED, Status.REJECTED, Status.RETURNED)


def _required_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("撤销需要填写原因，学生会看到这条原因。"), problems={"reason": _("请填写撤销原因。")}
        )
    return reason


def _refuse_without_permission(application, actor, permission, message):
    if not actor.has_perm(permission) or not (
        actor.is_superuser or application.program.region in staff_regions(actor)
    ):
        raise ApplicationError(message % {"application": application.label})


def _save_reverted(application, old, *, field, to, actor, kind, reason):
    """Write the corrected field, its audit entry (with the reason) and its history row."""
    from_value = getattr(application, field)
    setattr(application, field, to)
    audit.save_audited(
        application, old, update_fields=[field, "updated_at"], additional_data={"reason": reason}
    )
    record_event(
        application, actor=actor, kind=kind, from_value=from_value, to_value=to, comment=reason
    )
    # The printed form is cached per version (updated_at): the old one is never served
    # again; the new one is rendered ahead where a worker runs.
    form_changed(application)
    return application


def revert_review(*, application, actor, reason):
    """撤销审核: 审核通过 / 审核不通过 / 退回修改 → 待审核, by the track's office head, with
    the reason the student reads, while no admission result has been entered."""
    reason = _required_reason(reason)
    with transaction.atomic():
        application = locked_application(application)
        _refuse_without_permission(
            application,
            actor,
            REVERT_REVIEW_PERMISSION,
            _("你没有撤销 %(application)s 审核的权限（需由该项目所属办公室的负责人操作）。"),
        )
        if application.status not in REVERTIBLE_STATUSES:
            raise ApplicationError(
                _("%(application)s 当前为「%(status)s」，只有已审核的申请可以撤销审核。")
                % {"application": application.label, "status": application.get_status_display()}
            )
        if application.admission_result != AdmissionResult.PENDING:
            raise ApplicationError(
                _(
                    "%(application)s 已录入录取结果「%(result)s」，不能撤销审核；"
                    "请先由管理员撤销录取结果。"
                )
                % {
                    "application": application.label,
                    "result": application.get_admission_result_display(),
                }
            )
        if application.status == Status.RETURNED and _changed_since_last_move(application):
            # What the office would review is no longer what it returned.
            raise ApplicationError(
                _("%(application)s 退回后学生已修改过申请，不能撤销退回；请等学生重新提交。")
                % {"application": application.label}
            )
        old = audit.snapshot(application)
        return _save_reverted(
            application,
            old,
            field="status",
            to=Status.SUBMITTED,
            actor=actor,
            kind=EventKind.REVIEW_REVERTED,
            reason=reason,
        )


def _changed_since_last_move(application):
    last = application.events.filter(kind__in=(EventKind.STATUS, EventKind.REVIEW_REVERTED))
    last = last.order_by("-created_at", "-pk").values_list("created_at", flat=True).first()
    return last is not None and application.updated_at > last


def revert_admission_result(*, application, actor, reason):
    """撤销录取结果: 录取 / 未录取 → 待定, by the administrator, with the reason."""
    reason = _required_reason(reason)
    with transaction.atomic():
        application = locked_application(application)
        _refuse_without_permission(
            application,
            actor,
            REVERT_ADMISSION_PERMISSION,
            _("你没有撤销 %(application)s 录取结果的权限（需由管理员操作）。"),
        )
        if application.admission_result == AdmissionResult.PENDING:
            raise ApplicationError(
                _("%(application)s 的录取结果为「待定」，没有可以撤销的录取结果。")
                % {"application": application.label}
            )
        if conflict := results.summary_conflict(application, AdmissionResult.PENDING):
            raise ApplicationError(conflict)
        old = audit.snapshot(application)
        return _save_reverted(
            application,
            old,
            field="admission_result",
            to=AdmissionResult.PENDING,
            actor=actor,
            kind=EventKind.ADMISSION_REVERTED,
            reason=reason,
        )
