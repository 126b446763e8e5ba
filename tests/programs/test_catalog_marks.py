"""The catalog marks the programs the student has applied to (已报名) or has a draft for
(草稿), beside their titles: per student, around the page that is cached for everyone, and
without a query per program."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.applications import services
from apps.applications.models import Status
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

LIST = reverse("programs:list", args=["international"])


def mark_of(page, title):
    """The mark right after `title`'s link, or ""."""
    match = re.search(
        rf">{re.escape(title)}</a>\s*(?:<span class=\"badge rounded-pill mine-badge[^\"]*\">"
        r"([^<]+)</span>)?",
        page,
    )
    assert match, f"{title} is not in the catalog"
    return match.group(1) or ""


def test_applied_and_draft_programs_are_marked_others_not(
    student_client, student, make_draft, make_submitted
):
    make_submitted(program=ProgramFactory(title="已交的项目"))
    make_draft(program=ProgramFactory(title="草稿的项目"), complete=False)
    withdrawn = make_submitted(program=ProgramFactory(title="撤回的项目"))
    services.withdraw_application(application=withdrawn, user=student)
    ProgramFactory(title="没报的项目")

    page = student_client.get(LIST).text

    assert mark_of(page, "已交的项目") == "已报名"
    assert mark_of(page, "草稿的项目") == "草稿"
    assert mark_of(page, "撤回的项目") == "", "withdrawn: not an application any more"
    assert mark_of(page, "没报的项目") == ""
    assert "<!--mine:" not in page, "the marks' placeholders never reach the browser"


def test_the_marks_are_the_students_own_on_a_page_cached_for_everyone(
    student_client, make_submitted
):
    make_submitted(program=ProgramFactory(title="已交的项目"))
    assert mark_of(student_client.get(LIST).text, "已交的项目") == "已报名"

    other = Client()
    other.force_login(StudentProfileFactory().user)
    assert mark_of(other.get(LIST).text, "已交的项目") == ""
    # And the first student's mark is still there, from the same cached page.
    assert mark_of(student_client.get(LIST).text, "已交的项目") == "已报名"


def test_a_mark_follows_the_application_at_once(student_client, student, make_draft):
    program = ProgramFactory(title="东京大学交换")
    assert mark_of(student_client.get(LIST).text, "东京大学交换") == ""

    student_client.post(reverse("applications:start", args=[program.pk]))
    assert mark_of(student_client.get(LIST).text, "东京大学交换") == "草稿"

    draft = make_draft(program=program)  # the same draft, completed
    services.submit_application(application=draft, user=student)
    assert mark_of(student_client.get(LIST).text, "东京大学交换") == "已报名"


def test_the_marks_in_english(student_client, make_draft, make_submitted):
    make_submitted(program=ProgramFactory(title="已交的项目"))
    make_draft(program=ProgramFactory(title="草稿的项目"), complete=False)
    student_client.cookies["django_language"] = "en"
    page = student_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").text
    assert mark_of(page, "已交的项目") == "Applied"
    assert mark_of(page, "草稿的项目") == "Draft"


@pytest.mark.parametrize("rows", [1, 50])
def test_marking_costs_the_same_queries_for_1_or_50_programs(
    student_client, student, settings, rows, django_assert_num_queries
):
    settings.PROGRAMS_PER_PAGE = 50
    for index, program in enumerate(ProgramFactory.create_batch(rows)):
        status = Status.DRAFT if index % 2 else Status.SUBMITTED
        program.applications.create(student=student, status=status, has_passport=False)

    # Nothing cached: user with profile, count, page, next window edge, and the student's
    # applications, once for the whole page.
    with django_assert_num_queries(5):
        page = student_client.get(LIST).text
    assert page.count("mine-badge") == rows
    # Both cached, and the header's user: nothing.
    with django_assert_num_queries(0):
        page = student_client.get(LIST).text
    assert page.count("mine-badge") == rows
