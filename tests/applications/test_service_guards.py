"""Every service refuses, called directly, each starting state it must refuse, and changes
nothing then.

The pages in front of the services refuse these too (the form is not editable, no 撤回
button, the admin's own checks), so a service that lost its guard would pass every test
that goes through them: these put the row in the state itself and call the service.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.applications import services
from apps.applications.models import (
    EDITABLE_STATUSES,
    AdmissionResult,
    Application,
    ApplicationEvent,
    Status,
)
from apps.applications.services import ApplicationError
from apps.scores.models import ScoreSupplement
from apps.scores.services import supplement_score
from apps.summaries import services as summaries
from tests.builders import office_admin

pytestmark = pytest.mark.django_db


def but(*allowed):
    return [status for status in Status if status not in allowed]


@pytest.fixture
def in_state(make_draft):
    """A complete application put straight into `status` (and the other columns given)."""

    def make(status, **columns):
        application = make_draft()
        submitted_at = None if status == Status.DRAFT else timezone.now()
        Application.objects.filter(pk=application.pk).update(
            status=status, submitted_at=submitted_at, **columns
        )
        return Application.objects.get(pk=application.pk)

    return make


def state(application):
    row = Application.objects.get(pk=application.pk)
    return (
        row.status,
        row.admission_result,
        row.language_score,
        row.major,
        row.updated_at,
        ApplicationEvent.objects.filter(application=row).count(),
    )


def refused(call, application):
    before = state(application)
    with pytest.raises(ApplicationError):
        call()
    assert state(application) == before, "a refusal changes nothing"


@pytest.mark.parametrize("status", but(*EDITABLE_STATUSES))
def test_submit_refuses_an_application_out_of_the_students_hands(in_state, student, status):
    application = in_state(status)
    refused(lambda: services.submit_application(application=application, user=student), application)


@pytest.mark.parametrize("status", but(*EDITABLE_STATUSES))
def test_save_refuses_an_application_out_of_the_students_hands(in_state, student, status):
    application = in_state(status)
    refused(
        lambda: services.save_draft(
            application=application, user=student, changes={"major": "数据科学"}
        ),
        application,
    )


@pytest.mark.parametrize("status", but(Status.SUBMITTED))
def test_withdraw_refuses_all_but_a_submission_waiting_for_review(in_state, student, status):
    application = in_state(status)
    refused(
        lambda: services.withdraw_application(application=application, user=student), application
    )


@pytest.mark.parametrize("decision", ["approve", "reject", "return"])
@pytest.mark.parametrize("status", but(Status.SUBMITTED))
def test_a_review_refuses_all_but_a_submission_waiting_for_review(in_state, status, decision):
    from tests.concurrency import review

    application = in_state(status)
    refused(lambda: review(decision, application, office_admin()), application)


@pytest.mark.parametrize("result", [AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED])
@pytest.mark.parametrize("status", but(Status.APPROVED))
def test_a_result_is_refused_on_all_but_an_approved_application(in_state, status, result):
    application = in_state(status)
    refused(
        lambda: services.set_admission_result(
            application=application, result=result, actor=office_admin()
        ),
        application,
    )


@pytest.mark.parametrize("status", but(Status.SUBMITTED, Status.APPROVED))
def test_a_score_is_refused_on_all_but_a_submitted_or_approved_application(
    in_state, student, status
):
    application = in_state(status)
    refused(
        lambda: supplement_score(
            application=application, user=student, language_test="toefl", score=Decimal(95)
        ),
        application,
    )
    assert not ScoreSupplement.objects.exists()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_a_score_is_refused_once_the_application_has_one(in_state, student, status):
    application = in_state(status, language_test="ielts", language_score=Decimal("6.5"))
    refused(
        lambda: supplement_score(
            application=application, user=student, language_test="toefl", score=Decimal(95)
        ),
        application,
    )


@pytest.mark.parametrize("result", [AdmissionResult.PENDING, AdmissionResult.NOT_ADMITTED])
def test_a_summary_is_refused_unless_the_partner_school_admitted(in_state, student, result):
    application = in_state(Status.APPROVED, admission_result=result)
    refused(
        lambda: summaries.save_summary(application=application, user=student, changes={}),
        application,
    )
    refused(lambda: summaries.submit_summary(application=application, user=student), application)


def test_a_withdrawal_refused_names_the_state_it_found(in_state, student):
    application = in_state(Status.APPROVED)
    with pytest.raises(ApplicationError) as raised:
        services.withdraw_application(application=application, user=student)
    assert str(raised.value) == "该申请当前为「审核通过」，不能撤回；只有待审核的申请可以撤回。"
