"""set_admission_result: approved applications of the actor's track only, every change recorded."""

import pytest
from django.utils import timezone

from apps.applications import services
from apps.applications.models import AdmissionResult, EventKind, Status
from apps.applications.results import ResultRow, build_preview
from apps.programs.models import Region
from apps.summaries.models import ReturnSummary

pytestmark = pytest.mark.django_db


def admission_events(application):
    return list(application.events.filter(kind=EventKind.ADMISSION))


def test_superuser_sets_admitted_and_the_move_is_recorded(make_approved, superuser):
    application = make_approved()

    services.set_admission_result(
        application=application, result=AdmissionResult.ADMITTED, actor=superuser
    )

    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.ADMITTED
    [event] = admission_events(application)
    assert (event.from_value, event.to_value, event.actor) == ("pending", "admitted", superuser)
    assert event.headline == "录取结果：录取"


def test_clerk_of_the_track_corrects_a_result_old_to_new(make_approved, hmt_clerk):
    application = make_approved(region=Region.HMT)
    services.set_admission_result(
        application=application, result=AdmissionResult.ADMITTED, actor=hmt_clerk
    )
    services.set_admission_result(
        application=application, result=AdmissionResult.NOT_ADMITTED, actor=hmt_clerk
    )

    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.NOT_ADMITTED
    moves = [(e.from_value, e.to_value) for e in admission_events(application)]
    assert moves == [("pending", "admitted"), ("admitted", "not_admitted")]


def test_setting_the_same_result_again_records_nothing(make_approved, superuser):
    application = make_approved()
    for _ in range(2):
        services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=superuser
        )
    assert len(admission_events(application)) == 1


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.REJECTED, Status.RETURNED])
def test_refuses_an_application_that_is_not_approved(make_submitted, superuser, status):
    application = make_submitted()
    application.__class__.objects.filter(pk=application.pk).update(status=status)

    with pytest.raises(services.ApplicationError, match="只有审核通过的申请才能录入录取结果"):
        services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=superuser
        )

    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING
    assert admission_events(application) == []


def test_refuses_a_clerk_of_the_other_track(make_approved, hmt_clerk):
    application = make_approved(region=Region.INTERNATIONAL)

    with pytest.raises(services.ApplicationError, match="不能录入其录取结果"):
        services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=hmt_clerk
        )

    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING


def test_refuses_a_student_even_the_owner(make_approved):
    application = make_approved()
    with pytest.raises(services.ApplicationError):
        services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=application.student
        )


def test_pending_is_not_a_result_one_can_set(make_approved, superuser):
    application = make_approved()
    with pytest.raises(services.ApplicationError, match="只能是"):
        services.set_admission_result(
            application=application, result=AdmissionResult.PENDING, actor=superuser
        )


def test_an_admitted_student_who_filed_the_summary_stays_admitted(make_approved, superuser):
    application = make_approved()
    services.set_admission_result(
        application=application, result=AdmissionResult.ADMITTED, actor=superuser
    )
    ReturnSummary.objects.create(
        application=application, return_date=timezone.localdate(), submitted_at=timezone.now()
    )

    with pytest.raises(services.ApplicationError, match="已提交交流总结"):
        services.set_admission_result(
            application=application, result=AdmissionResult.NOT_ADMITTED, actor=superuser
        )
    row = ResultRow(2, application.student.username, str(application.program_id), "", "未录取")
    [judged] = build_preview([row], actor=superuser).rows
    assert "已提交交流总结" in judged.reason
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.ADMITTED
