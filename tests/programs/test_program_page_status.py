"""The program page shows the student's own application there, kept in the cache per
student (apps/applications/student_cache) and right after every change."""

import pytest
from django.urls import reverse

from apps.applications import services
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def _mine(client, program):
    return client.get(program.get_absolute_url()).context["application"]


def test_the_page_follows_the_students_application_through_its_changes(
    student_client, student, make_draft
):
    program = ProgramFactory()
    assert _mine(student_client, program) is None  # 报名 offered, and now cached

    student_client.post(reverse("applications:start", args=[program.pk]))
    draft = program.applications.get(student=student)
    page = student_client.get(program.get_absolute_url())
    assert page.context["application"].pk == draft.pk
    assert reverse("applications:edit", args=[draft.pk]) in page.text

    complete = make_draft(program=ProgramFactory())  # a complete draft elsewhere
    services.submit_application(application=complete, user=student)
    page = student_client.get(complete.program.get_absolute_url())
    assert page.context["application"].status == "submitted"
    assert reverse("applications:detail", args=[complete.pk]) in page.text

    services.withdraw_application(application=complete, user=student)
    assert _mine(student_client, complete.program).status == "withdrawn"


def test_another_students_application_is_never_shown(student_client, make_submitted):
    program = ProgramFactory()
    assert _mine(student_client, program) is None
    make_submitted(program=program, owner=StudentProfileFactory().user)
    page = student_client.get(program.get_absolute_url())
    assert page.context["application"] is None
    assert reverse("applications:start", args=[program.pk]) in page.text
