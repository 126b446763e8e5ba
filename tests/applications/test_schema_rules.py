"""Rules the database holds for applications, whatever code writes to it."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from apps.applications.models import AdmissionResult, ApplicationEvent, EventKind, Status
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_one_application_per_student_per_program():
    first = ApplicationFactory()
    with pytest.raises(IntegrityError):
        ApplicationFactory(student=first.student, program=first.program)


def test_the_same_student_may_apply_to_another_program():
    first = ApplicationFactory()
    second = ApplicationFactory(student=first.student)
    assert second.pk != first.pk


@pytest.mark.parametrize("has_passport", [False, None])
def test_passport_data_without_a_passport_is_refused(has_passport):
    with pytest.raises(IntegrityError):
        ApplicationFactory(has_passport=has_passport, passport_number="E12345678")


def test_a_draft_may_hold_an_unfinished_passport_answer():
    draft = ApplicationFactory(has_passport=True, passport_number="")
    assert draft.status == Status.DRAFT


@pytest.mark.parametrize(
    "passport",
    [
        {"has_passport": None},
        {"has_passport": True, "passport_number": "", "passport_expiry": date(2030, 1, 1)},
        {"has_passport": True, "passport_number": "E12345678", "passport_expiry": None},
    ],
)
def test_a_submitted_application_has_a_complete_passport_answer(passport):
    with pytest.raises(IntegrityError):
        ApplicationFactory(status=Status.SUBMITTED, **passport)


@pytest.mark.parametrize(
    "passport",
    [
        {"has_passport": False},
        {"has_passport": True, "passport_number": "E12345678", "passport_expiry": date(2030, 1, 1)},
    ],
)
def test_a_submitted_application_with_a_complete_passport_answer_is_stored(passport):
    assert ApplicationFactory(status=Status.SUBMITTED, **passport).pk


def test_admission_result_only_on_approved_applications():
    with transaction.atomic(), pytest.raises(IntegrityError):
        ApplicationFactory(
            status=Status.SUBMITTED, has_passport=False, admission_result=AdmissionResult.ADMITTED
        )
    approved = ApplicationFactory(
        status=Status.APPROVED, has_passport=False, admission_result=AdmissionResult.ADMITTED
    )
    assert approved.get_admission_result_display() == "录取"


def test_history_rows_show_labels_in_the_interface_language():
    application = ApplicationFactory()
    event = ApplicationEvent.objects.create(
        application=application,
        kind=EventKind.STATUS,
        from_value=Status.DRAFT,
        to_value=Status.SUBMITTED,
        actor=application.student,
    )
    assert (event.from_label, event.to_label) == ("草稿", "待审核")
    assert str(event) == "审核状态: 草稿 → 待审核"


def test_new_application_is_a_pending_draft():
    application = ApplicationFactory()
    assert application.status == Status.DRAFT
    assert application.admission_result == AdmissionResult.PENDING
    assert application.is_editable and application.score_missing
