"""撤销审核 by the track's office head and 撤销录取结果 by the administrator: the services
refuse every wrong starting state and every wrong person, and a revert that goes through
is in the history, the audit log, the student's notices and the printed form."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.utils import timezone

from apps.applications import services
from apps.applications.models import (
    AdmissionResult,
    Application,
    EventKind,
    Notice,
    Status,
)
from apps.programs.models import Region
from apps.summaries.services import save_summary
from tests.builders import office_admin
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

REASON = "误点了审核通过，需重新审核。"


def decided(make_submitted, status):
    application = make_submitted()
    decide = {
        Status.APPROVED: services.approve_application,
        Status.REJECTED: services.reject_application,
        Status.RETURNED: services.return_application,
    }[status]
    return decide(application=application, actor=office_admin(), comment="意见")


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.RETURNED])
def test_the_office_head_reverts_a_decision_to_submitted_with_history_audit_and_notice(
    make_submitted, office_head, status, django_capture_on_commit_callbacks
):
    application = decided(make_submitted, status)
    notices = Notice.objects.filter(student=application.student).count()

    with django_capture_on_commit_callbacks(execute=True):
        services.revert_review(application=application, actor=office_head, reason=f"  {REASON} ")

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    event = application.events.order_by("pk").last()
    assert (event.kind, event.from_value, event.to_value) == (
        EventKind.REVIEW_REVERTED,
        status,
        Status.SUBMITTED,
    )
    assert event.actor == office_head and event.comment == REASON
    assert event.headline == f"撤销审核（原为{Status(status).label}）"
    entry = LogEntry.objects.get_for_object(application).order_by("pk").last()
    assert entry.changes_dict["status"] == [status, Status.SUBMITTED]
    assert entry.additional_data == {"reason": REASON}
    # The student hears of it, with the reason, in the portal and by email.
    assert Notice.objects.filter(student=application.student).count() == notices + 1
    assert Notice.objects.filter(event=event).exists()
    assert REASON in mail.outbox[-1].body and "撤销审核" in mail.outbox[-1].subject
    assert "已恢复为「待审核」" in mail.outbox[-1].body


def test_the_printed_form_is_rendered_again_after_a_revert(
    make_submitted, office_head, monkeypatch
):
    from apps.applications import pdf, tasks

    application = decided(make_submitted, Status.REJECTED)
    before = pdf.cache_name(application)
    queued = []
    monkeypatch.setattr(
        services.guards, "enqueue_for_worker", lambda task, *args: queued.append((task, args))
    )

    application = services.revert_review(application=application, actor=office_head, reason=REASON)

    # The cached form is per version: the reverted application never gets the old one,
    # and the new one is rendered ahead.
    assert pdf.cache_name(Application.objects.get(pk=application.pk)) != before
    assert (tasks.warm_pdf, (application.pk,)) in queued


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN])
def test_revert_review_refuses_an_application_that_was_not_decided(make_draft, office_head, status):
    application = make_draft()
    if status != Status.DRAFT:
        application = services.submit_application(application=application, user=application.student)
    if status == Status.WITHDRAWN:
        application = services.withdraw_application(
            application=application, user=application.student
        )
    events = application.events.count()

    with pytest.raises(services.ApplicationError, match="只有已审核的申请可以撤销审核"):
        services.revert_review(application=application, actor=office_head, reason=REASON)

    application.refresh_from_db()
    assert application.status == status and application.events.count() == events


@pytest.mark.parametrize("result", [AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED])
def test_revert_review_refuses_once_an_admission_result_is_entered(
    make_approved, office_head, result
):
    application = make_approved(admission_result=result)
    with pytest.raises(services.ApplicationError, match="已录入录取结果"):
        services.revert_review(application=application, actor=office_head, reason=REASON)
    application.refresh_from_db()
    assert (application.status, application.admission_result) == (Status.APPROVED, result)


def test_revert_review_refuses_a_return_the_student_has_since_edited(make_submitted, office_head):
    application = decided(make_submitted, Status.RETURNED)
    services.save_draft(
        application=application, user=application.student, changes={"major": "数据科学（改）"}
    )
    with pytest.raises(services.ApplicationError, match="学生已修改过申请"):
        services.revert_review(application=application, actor=office_head, reason=REASON)
    application.refresh_from_db()
    assert application.status == Status.RETURNED


@pytest.mark.parametrize(
    "who, reason, message",
    [
        ("head", "", "撤销需要填写原因"),
        ("head", "   \n ", "撤销需要填写原因"),
        ("clerk", REASON, "没有撤销"),  # a clerk without the head's permission
        ("other_head", REASON, "没有撤销"),  # the head of the other track's office
    ],
)
def test_revert_review_needs_a_reason_and_the_tracks_head(
    make_submitted, office_head, clerk, make_office_head, who, reason, message
):
    application = decided(make_submitted, Status.APPROVED)
    actor = {
        "head": lambda: office_head,
        "clerk": lambda: clerk,
        "other_head": lambda: make_office_head(Region.HMT, username="hmt-head"),
    }[who]()
    with pytest.raises(services.ApplicationError, match=message):
        services.revert_review(application=application, actor=actor, reason=reason)
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_the_head_may_revert_only_with_the_permission_not_by_the_group_name(
    make_submitted, make_clerk
):
    """The permission is assignable to one clerk in admin, without the head group."""
    from django.contrib.auth.models import Permission

    application = decided(make_submitted, Status.REJECTED)
    clerk = make_clerk(username="deputy")
    clerk.user_permissions.add(Permission.objects.get(codename="revert_review"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # permissions are read per request
    services.revert_review(application=application, actor=clerk, reason=REASON)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


# --- 撤销录取结果 -------------------------------------------------------------------------


@pytest.mark.parametrize("result", [AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED])
def test_the_administrator_reverts_a_result_to_pending(
    make_approved, superuser, result, django_capture_on_commit_callbacks
):
    application = make_approved(admission_result=result)

    with django_capture_on_commit_callbacks(execute=True):
        services.revert_admission_result(application=application, actor=superuser, reason=REASON)

    application.refresh_from_db()
    assert (application.status, application.admission_result) == (
        Status.APPROVED,
        AdmissionResult.PENDING,
    )
    event = application.events.order_by("pk").last()
    assert (event.kind, event.from_value, event.to_value, event.comment) == (
        EventKind.ADMISSION_REVERTED,
        result,
        AdmissionResult.PENDING,
        REASON,
    )
    assert event.headline == f"撤销录取结果（原为{AdmissionResult(result).label}）"
    entry = LogEntry.objects.get_for_object(application).order_by("pk").last()
    assert entry.changes_dict["admission_result"] == [result, AdmissionResult.PENDING]
    assert Notice.objects.filter(event=event).exists()
    assert REASON in mail.outbox[-1].body
    # Then the result can be entered again, and the review reverted.
    services.set_admission_result(
        application=application, result=AdmissionResult.ADMITTED, actor=superuser
    )


def test_revert_result_refuses_a_pending_result(make_approved, make_submitted, superuser):
    for application in (make_approved(), make_submitted(owner=make_approved().student)):
        with pytest.raises(services.ApplicationError, match="没有可以撤销的录取结果"):
            services.revert_admission_result(
                application=application, actor=superuser, reason=REASON
            )


def test_revert_result_refuses_once_the_student_submitted_the_summary(make_admitted, superuser):
    # A summary opens once the program has started.
    started = timezone.localdate() - timedelta(days=120)
    application = make_admitted(
        program=ProgramFactory(start_date=started, end_date=started + timedelta(days=90))
    )
    summary = save_summary(application=application, user=application.student, changes={})
    # Submitted (its own rules are tested in tests/summaries): the state is what matters.
    type(summary).objects.filter(pk=summary.pk).update(
        return_date=timezone.localdate(), submitted_at=timezone.now()
    )
    with pytest.raises(services.ApplicationError, match="交流总结"):
        services.revert_admission_result(application=application, actor=superuser, reason=REASON)
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.ADMITTED


def test_a_clerk_cannot_revert_a_result(make_admitted, clerk, office_head):
    application = make_admitted()
    for actor in (clerk, office_head):
        with pytest.raises(services.ApplicationError, match="需由管理员操作"):
            services.revert_admission_result(application=application, actor=actor, reason=REASON)
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.ADMITTED


def test_revert_result_needs_a_reason(make_admitted, superuser):
    application = make_admitted()
    with pytest.raises(services.ApplicationError, match="撤销需要填写原因"):
        services.revert_admission_result(application=application, actor=superuser, reason=" ")
