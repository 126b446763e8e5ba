"""Every change to an application happens here, with its guards and its history row.

Each function is keyword-only, runs in one transaction, locks the application row
(`select_for_update`), refuses a wrong starting state with `ApplicationError`, saves
with `update_fields` and records an `ApplicationEvent`. Views and admin actions call
these and nothing else.
"""

import logging
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import PERSONAL_FIELDS, StudentProfile
from apps.attachments.models import Attachment, AttachmentKind
from apps.core import audit
from apps.core.queue import enqueue_for_worker, has_worker
from apps.core.storage import STORAGE_ERRORS
from apps.programs.models import Program

from . import announcements, notifications, results, tasks
from .models import (
    EDITABLE_STATUSES,
    PRINTABLE_STATUSES,
    REVERT_ADMISSION_PERMISSION,
    REVERT_REVIEW_PERMISSION,
    AdmissionResult,
    Application,
    ApplicationEvent,
    EventKind,
    Status,
    staff_regions,
)

logger = logging.getLogger(__name__)

# The slots a student fills on the form (score proof and summary have their own pages).
FORM_SLOTS = (AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT, AttachmentKind.LANGUAGE)


class ApplicationError(Exception):
    """A refused action. `message` is shown to the person who asked; `problems` maps
    fields or attachment slots to what is wrong with them."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.message = message
        self.problems = problems or {}


class UploadNotStored(ApplicationError):
    """The storage refused a file (a full disk, an unwritable folder): nothing of it was
    kept. `then` says what became of the rest of the request."""

    def __init__(self, name, then=""):
        message = _("「%(name)s」未能保存：服务器存储暂时不可用，请稍后重新上传。") % {"name": name}
        super().__init__(f"{message}{then}")
        self.name = name


def locked_application(application, *, with_program=True):
    """The row again, locked until the transaction ends (with its program by default)."""
    queryset = Application.objects.select_for_update(of=("self",))
    if with_program:
        queryset = queryset.select_related("program")
    try:
        return queryset.get(pk=application.pk)
    except Application.DoesNotExist:
        # 删除草稿 in another tab won the race for this draft.
        raise ApplicationError(_("这份草稿已被删除。")) from None


def record_event(application, *, actor, to_value, from_value="", kind=EventKind.STATUS, comment=""):
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        actor=actor,
        comment=comment,
    )
    # Decisions and admission results reach the student: a notice now, an email on commit.
    announcements.announce(event)
    return event


def _move(application, *, to, actor, comment="", extra_fields=()):
    """Set the status and record the move; the caller holds the row lock and checked `from`."""
    from_value = application.status
    application.status = to
    application.save(update_fields=["status", "updated_at", *extra_fields])
    record_event(application, actor=actor, from_value=from_value, to_value=to, comment=comment)
    form_changed(application)
    return application


def form_changed(application):
    """A save that moved `updated_at` gave the printed 申请表 a new version (a submission, a
    decision, a result, a score, a staff correction): where a worker runs, it renders the
    form ahead once committed, so that the student's next 下载申请表 is a cached one.
    Without a worker, that download renders it: never the request that made the change."""
    if application.has_printable_form:
        enqueue_for_worker(tasks.warm_pdf, application.pk)


@receiver(post_save, sender=Program, dispatch_uid="pdf-program-saved")
def program_changed(sender, instance, created, raw=False, **kwargs):
    """A program's correction (its title, dates, partner) is printed on every form of it."""
    if created or raw or not has_worker():
        return
    for pk in instance.applications.filter(status__in=PRINTABLE_STATUSES).values_list(
        "pk", flat=True
    ):
        enqueue_for_worker(tasks.warm_pdf, pk)


def _refuse_closed_program(program):
    if not program.is_published:
        raise ApplicationError(_("该项目已下线，不能报名或提交。"))
    if not program.is_open():
        if timezone.now() < program.opens_at:
            raise ApplicationError(_("该项目报名尚未开始，不能报名。"))
        raise ApplicationError(_("该项目已停止报名，不能报名或提交。"))


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
def save_draft(*, application, user, changes, new_files=(), remove_ids=(), locked=False):
    """保存: store whatever is filled, valid or incomplete, plus uploads and removals.

    `changes` maps field names to already-validated values; `new_files` holds
    (kind, uploaded_file, CheckedUpload) triples from `apps.attachments.validators`.

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
        failed = None
        if new_files or remove_ids:
            failed = replace_files_keeping_the_rest(
                application, FORM_SLOTS, new_files, remove_ids, stored
            )
    if failed:
        raise UploadNotStored(failed.name, then=_("其余内容已保存。"))
    return application


@contextmanager
def files_removed_on_failure():
    """Yields a list that `store_attachment` fills; if the block fails, those files are
    deleted again, so that a refused or rolled-back change leaves no orphan on disk."""
    stored = []
    try:
        yield stored
    except BaseException:
        discard_files(stored)
        raise


def discard_files(stored):
    for attachment in stored:
        with suppress(*STORAGE_ERRORS):
            attachment.file.storage.delete(attachment.file.name)
    stored.clear()


def replace_files_keeping_the_rest(application, slots, new_files, remove_ids, stored):
    """`replace_files` in a savepoint: when the storage fails, the change of files is undone
    (rows, removals and the files written so far) and the caller's other changes stay.
    Returns the `UploadNotStored` for the caller to raise once those are committed."""
    try:
        with transaction.atomic():
            replace_files(application, slots, new_files, remove_ids, stored)
    except UploadNotStored as failure:
        discard_files(stored)
        return failure
    return None


def replace_files(application, slots, new_files, remove_ids, stored):
    """Remove the listed files of `slots`, then store the new ones within the per-slot limit."""
    if remove_ids:
        for attachment in application.attachments.filter(pk__in=remove_ids, kind__in=slots):
            attachment.delete()

    if not new_files:
        return
    limit = settings.ATTACHMENT_MAX_FILES_PER_SLOT
    # One grouped count for every slot (a plain 保存 without uploads counts nothing).
    rows = application.attachments.filter(kind__in=slots).values("kind").annotate(n=Count("pk"))
    counts = dict.fromkeys(slots, 0) | {row["kind"]: row["n"] for row in rows.order_by()}
    for kind, uploaded, checked in new_files:
        if counts[kind] >= limit:
            raise ApplicationError(
                _("%(slot)s 最多上传 %(limit)s 个文件，请先删除不需要的文件。")
                % {"slot": AttachmentKind(kind).label, "limit": limit}
            )
        counts[kind] += 1
        store_attachment(application, kind, uploaded, checked, stored)


def store_attachment(application, kind, uploaded, checked, stored):
    """Write the file under a generated name, then its row; `stored` lists written files."""
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
    )
    storage = attachment.file.storage
    name = attachment.file.field.generate_filename(attachment, checked.name)
    try:
        attachment.file = storage.save(
            name, checked.file_to_store(uploaded), max_length=attachment.file.field.max_length
        )
    except STORAGE_ERRORS as error:
        # Django leaves a partly written file behind (ENOSPC mid-write): remove it.
        with suppress(*STORAGE_ERRORS):
            storage.delete(name)
        logger.error(
            "Could not store a file of application %s: %s",
            application.pk,
            notifications.describe_failure(error),
        )
        raise UploadNotStored(checked.name) from error
    stored.append(attachment)
    attachment.save()
    return attachment


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
        if problems:
            raise ApplicationError(
                _("还有 %(count)s 项未完成，请按提示补充后再提交；已填写的内容都已保存。")
                % {"count": len(problems)},
                problems=problems,
            )
        application.submitted_at = timezone.now()
        # The student's next step is often 下载申请表: rendered ahead by a worker (_move).
        application = _move(
            application, to=Status.SUBMITTED, actor=user, extra_fields=["submitted_at"]
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


# --- Review by the track's office (审核通过 / 审核不通过 / 退回修改) ---------------------------


def _review(application, *, actor, to, comment):
    """待审核 → `to`, by staff of the application's track; the comment goes to the student."""
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
        return _move(application, to=to, actor=actor, comment=comment)


# The student must be told why: a rejection or a return without a comment is refused.
COMMENT_REQUIRED = (Status.REJECTED, Status.RETURNED)


def approve_application(*, application, actor, comment=""):
    """审核通过: submitted → approved; the partner school's answer comes later."""
    return _review(application, actor=actor, to=Status.APPROVED, comment=comment)


def reject_application(*, application, actor, comment):
    """审核不通过: submitted → rejected, with the reason the student will read."""
    return _review(application, actor=actor, to=Status.REJECTED, comment=comment)


def return_application(*, application, actor, comment):
    """退回修改: submitted → returned; the student edits and submits again."""
    return _review(application, actor=actor, to=Status.RETURNED, comment=comment)


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
