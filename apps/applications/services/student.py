"""The student's changes: 报名, 保存, 提交, 撤回 and 删除草稿."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import PERSONAL_FIELDS, StudentProfile
from apps.core import audit

from ..models import EDITABLE_STATUSES, Application, Status
from .eligibility import judge, profile_gpa, program_rules, requirement_problems
from .files import files_removed_on_failure, replace_files_keeping_the_rest
from .guards import (
    FORM_SLOTS,
    ApplicationError,
    UploadNotStored,
    _move,
    _refuse_closed_program,
    locked_application,
    record_event,
)
from .returns import save_replies


def start_application(*, program, student):
    """报名: the student's draft for `program`, created from the profile or reopened.

    Returns (application, created). An application already with the office is returned
    unchanged so that the caller can show it; a withdrawn one becomes a draft again.
    """
    with transaction.atomic():
        existing = (
            Application.objects.select_for_update().filter(student=student, program=program).first()
        )
        if existing is not None and existing.status not in (*EDITABLE_STATUSES, Status.WITHDRAWN):
            return existing, False
        _refuse_closed_program(program)
        if existing is not None:
            if existing.status == Status.WITHDRAWN:
                existing.submitted_at = None
                _move(existing, to=Status.DRAFT, actor=student, extra_fields=["submitted_at"])
            return existing, False

        profile = StudentProfile.objects.filter(user=student).first()
        details = {name: getattr(profile, name) for name in PERSONAL_FIELDS} if profile else {}
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    student=student, program=program, **details
                )
        except IntegrityError:
            # A second tab won the race: use its draft.
            return Application.objects.get(student=student, program=program), False
        record_event(application, actor=student, to_value=Status.DRAFT)
        return application, True


@sensitive_variables("changes", "name", "value")
def save_draft(
    *, application, user, changes, new_files=(), remove_ids=(), replies=None, locked=False
):
    """保存: store whatever is filled, valid or incomplete, plus uploads and removals.

    `changes` maps field names to already-validated values; `new_files` holds
    (kind, uploaded_file, CheckedUpload) triples from `apps.attachments.validators`;
    `replies` the student's 回复说明 to the items of a 退回修改 ({field or slot: text}).

    The row is read again, locked, unless `locked`: the caller read `application` with
    `select_for_update` in the transaction it is still in, checked that it is editable, and
    left it as read (the form page's 保存 reads the row once).
    """
    if locked and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("save_draft(locked=True) outside the transaction holding the lock")
    with files_removed_on_failure() as stored, transaction.atomic(savepoint=not locked):
        if not locked:
            # Only the row is locked and read: the program the caller holds comes along.
            row = locked_application(application, with_program=False)
            if Application.program.is_cached(application):
                row.program = application.program
            application = row
        if application.student_id == user.pk:
            # The audit log names the row by its student and program: no query for the student.
            application.student = user
        if not application.is_editable:
            raise ApplicationError(
                _("该申请已提交（%(status)s），不能再修改。")
                % {"status": application.get_status_display()}
            )
        # Only what differs is written: a 保存 that changes nothing writes nothing.
        changed = [name for name, value in changes.items() if getattr(application, name) != value]
        old = audit.snapshot(application)
        for name in changed:
            setattr(application, name, changes[name])
        if changed or new_files or remove_ids:  # files change the application too
            audit.save_audited(application, old, update_fields=[*changed, "updated_at"])
        if replies:
            save_replies(application, replies)
        failed = None
        if new_files or remove_ids:
            failed = replace_files_keeping_the_rest(
                application, FORM_SLOTS, new_files, remove_ids, stored
            )
    if failed:
        raise UploadNotStored(failed.name, then=_("其余内容已保存。"))
    return application


def submit_application(*, application, user):
    """提交: draft or returned → submitted, if the program still takes applications and
    everything the office needs is there. Nothing is changed when refused."""
    with transaction.atomic():
        application = locked_application(application)
        if application.status not in EDITABLE_STATUSES:
            raise ApplicationError(
                _("该申请已提交（%(status)s），不能重复提交。")
                % {"status": application.get_status_display()}
            )
        _refuse_closed_program(application.program)
        problems = application.submission_problems()
        rules = program_rules(application.program_id)
        gpa = profile_gpa(application.student_id) if rules else None
        unmet = requirement_problems(application, rules, gpa)
        if problems:
            raise ApplicationError(
                _("还有 %(count)s 项未完成，请按提示补充后再提交；已填写的内容都已保存。")
                % {"count": len(problems) + len(unmet)},
                problems={**problems, **unmet},
            )
        if unmet:
            raise ApplicationError(
                _("不符合本项目必须满足的申请条件，不能提交；已填写的内容都已保存。")
                + " "
                + " ".join(unmet.values()),
                problems=unmet,
            )
        application.submitted_at = timezone.now()
        # Stored for the office's list: hints not met, or what cannot be told yet.
        judged = judge(application, rules, gpa)
        # The student's next step is often 下载申请表: rendered ahead by a worker (_move).
        application = _move(
            application, to=Status.SUBMITTED, actor=user, extra_fields=["submitted_at", *judged]
        )
        _keep_details_on_profile(application)
        return application


def _keep_details_on_profile(application):
    """What the student confirmed by 提交 (phone, email, major, …) prefills the next 报名.

    On 提交, not on 保存: only checked, complete details the student stands by reach the
    profile, and 保存 (the hot path) writes nothing beyond the application."""
    profile, _created = StudentProfile.objects.select_for_update().get_or_create(
        user_id=application.student_id
    )
    profile.keep_typed_details(application)


def withdraw_application(*, application, user):
    """撤回: submitted → withdrawn, only before the office has decided."""
    with transaction.atomic():
        application = locked_application(application)
        if not application.can_withdraw:
            raise ApplicationError(
                _("该申请当前为「%(status)s」，不能撤回；只有待审核的申请可以撤回。")
                % {"status": application.get_status_display()}
            )
        return _move(application, to=Status.WITHDRAWN, actor=user)


def delete_draft(*, application, user):
    """删除草稿: the student's own draft that never reached the office goes, with its
    history and its files (their rows now, the stored files once committed)."""
    with transaction.atomic():
        application = locked_application(application)
        if application.student_id != user.pk:
            raise ApplicationError(_("只能删除自己的草稿。"))
        if refusal := application.draft_deletion_refusal():
            raise ApplicationError(refusal)
        # The cascade deletes the files' rows one by one (they have receivers): the stored
        # files go once committed (`delete_file_with_row`), and the audit log records each
        # row's deletion, the application's too.
        application.delete()
