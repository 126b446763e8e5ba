"""审核通过 / 审核不通过 / 退回修改 as services: the transitions, the history, the refusals."""

import pytest

from apps.applications import services
from apps.applications.models import ApplicationEvent, Status
from apps.programs.models import Region
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

DECISIONS = [
    (services.approve_application, Status.APPROVED),
    (services.reject_application, Status.REJECTED),
    (services.return_application, Status.RETURNED),
]


@pytest.mark.parametrize("service, status", DECISIONS, ids=lambda v: getattr(v, "__name__", v))
def test_a_clerk_decides_a_submitted_application_and_the_history_says_who(
    make_submitted, clerk, service, status
):
    application = make_submitted()
    service(application=application, actor=clerk, comment="  材料齐全。 ")

    application.refresh_from_db()
    assert application.status == status
    event = application.events.last()
    assert (event.from_value, event.to_value, event.actor, event.comment) == (
        Status.SUBMITTED,
        status,
        clerk,
        "材料齐全。",
    )


def test_approval_needs_no_comment(make_submitted, clerk):
    application = services.approve_application(application=make_submitted(), actor=clerk)
    assert application.status == Status.APPROVED
    assert application.events.last().comment == ""


@pytest.mark.parametrize("service", [services.reject_application, services.return_application])
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_rejecting_or_returning_without_a_comment_is_refused(
    make_submitted, clerk, service, comment
):
    application = make_submitted()
    with pytest.raises(services.ApplicationError) as refused:
        service(application=application, actor=clerk, comment=comment)
    assert "需要填写意见" in refused.value.message
    assert "comment" in refused.value.problems
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


@pytest.mark.parametrize("service, status", DECISIONS, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("start", [Status.DRAFT, Status.APPROVED, Status.REJECTED, Status.RETURNED])
def test_only_a_submitted_application_can_be_decided(make_draft, clerk, service, status, start):
    application = make_draft(name="林一帆")
    if start != Status.DRAFT:
        services.submit_application(application=application, user=application.student)
        decide = dict((s, f) for f, s in DECISIONS)[start]
        decide(application=application, actor=clerk, comment="第一次")
    events = ApplicationEvent.objects.count()

    with pytest.raises(services.ApplicationError) as refused:
        service(application=application, actor=clerk, comment="第二次")

    assert "林一帆" in refused.value.message, "the refusal names the application"
    assert "只有待审核的申请可以审核" in refused.value.message
    application.refresh_from_db()
    assert application.status == start
    assert ApplicationEvent.objects.count() == events


def test_a_withdrawn_application_cannot_be_approved(make_submitted, clerk):
    application = make_submitted()
    services.withdraw_application(application=application, user=application.student)
    with pytest.raises(services.ApplicationError):
        services.approve_application(application=application, actor=clerk)


@pytest.mark.parametrize("service, status", DECISIONS, ids=lambda v: getattr(v, "__name__", v))
def test_a_clerk_of_the_other_track_cannot_decide(make_submitted, hmt_clerk, service, status):
    application = make_submitted(program=ProgramFactory(region=Region.INTERNATIONAL))
    with pytest.raises(services.ApplicationError) as refused:
        service(application=application, actor=hmt_clerk, comment="越权")
    assert "不属于你所在办公室" in refused.value.message
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_staff_without_an_office_cannot_decide(make_submitted, make_clerk):
    from tests.factories import UserFactory

    application = make_submitted()
    with pytest.raises(services.ApplicationError):
        services.approve_application(
            application=application, actor=UserFactory(username="no-office", is_staff=True)
        )


def test_a_superuser_decides_in_both_tracks(make_submitted, superuser):
    for region in Region:
        application = make_submitted(program=ProgramFactory(region=region))
        services.approve_application(application=application, actor=superuser)
        application.refresh_from_db()
        assert application.status == Status.APPROVED


def test_a_returned_application_comes_back_to_the_office_after_resubmission(make_submitted, clerk):
    application = make_submitted()
    services.return_application(application=application, actor=clerk, comment="请补充护照信息")
    application.refresh_from_db()
    assert application.is_editable
    assert application.return_comment() == "请补充护照信息"

    services.submit_application(application=application, user=application.student)
    services.approve_application(application=application, actor=clerk)
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_the_rejection_comment_is_on_the_students_details_page(
    student_client, make_submitted, clerk
):
    from django.urls import reverse

    application = make_submitted()
    services.reject_application(application=application, actor=clerk, comment="成绩未达要求。")
    page = student_client.get(reverse("applications:detail", args=[application.pk]))
    assert "审核不通过意见" in page.text
    assert "成绩未达要求。" in page.text
