"""The program page shows the student's own application there, kept in the cache per
student (apps/applications/student_cache) and right after every change."""

import re

import pytest
from django.urls import reverse

from apps.applications import services
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def _mine(client, program):
    """The status of the student's application as the program's page shows it (None when
    it offers 报名 instead)."""
    page = client.get(program.get_absolute_url()).text
    if "你曾撤回对该项目的申请" in page:
        return "withdrawn"
    shown = re.search(r'my-application">.*?status-badge status-(\w+)"', page, re.S)
    if shown is None:
        assert reverse("applications:start", args=[program.pk]) in page
        return None
    return shown.group(1)


def test_the_page_follows_the_students_application_through_its_changes(
    student_client, student, make_draft
):
    program = ProgramFactory()
    assert _mine(student_client, program) is None  # 报名 offered, and now cached

    student_client.post(reverse("applications:start", args=[program.pk]))
    draft = program.applications.get(student=student)
    page = student_client.get(program.get_absolute_url())
    assert _mine(student_client, program) == "draft"
    assert reverse("applications:edit", args=[draft.pk]) in page.text

    complete = make_draft(program=ProgramFactory())  # a complete draft elsewhere
    services.submit_application(application=complete, user=student)
    page = student_client.get(complete.program.get_absolute_url())
    assert _mine(student_client, complete.program) == "submitted"
    assert reverse("applications:detail", args=[complete.pk]) in page.text

    services.withdraw_application(application=complete, user=student)
    assert _mine(student_client, complete.program) == "withdrawn"


def test_another_students_application_is_never_shown(student_client, make_submitted):
    program = ProgramFactory()
    assert _mine(student_client, program) is None
    make_submitted(program=program, owner=StudentProfileFactory().user)
    assert _mine(student_client, program) is None
