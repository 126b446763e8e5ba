"""A refused 提交 (or 保存) says so plainly at the top of the form, with a summary whose
links lead to each field in error; the page's script moves focus to it."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.applications.models import Status
from tests.builders import form_data
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

GENERIC = "其余内容已保存；下面标出的内容有误，未保存，请改正后再保存或提交。"


def post(client, application, action, **data):
    url = reverse("applications:edit", args=[application.pk])
    return client.post(url, {"action": action, **data})


def summary_of(response):
    """The summary's HTML, or None when the page has none."""
    pattern = r'<div class="alert alert-danger error-summary".*?</div>'
    match = re.search(pattern, response.text, re.S)
    return match.group(0) if match else None


def links_of(summary):
    return re.findall(r'<a class="alert-link" href="#([^"]+)">', summary)


def assert_every_link_reaches_a_field(response, summary):
    for target in links_of(summary):
        assert re.search(rf'<input[^>]* id="{re.escape(target)}"', response.text) or re.search(
            rf'<(select|textarea)[^>]* id="{re.escape(target)}"', response.text
        ), f"#{target} leads nowhere"


def test_refused_submit_says_not_submitted_and_links_each_missing_item(student_client, make_draft):
    application = make_draft(complete=False, name_en="Half Done")

    response = post(student_client, application, "submit", phone="13700000000")

    assert response.status_code == 200
    summary = summary_of(response)
    assert summary is not None, "no error summary at the top of the form"
    assert "申请未提交" in summary
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    targets = links_of(summary)
    assert {"id_gender", "id_has_passport_0", "id_transcript", "id_enrollment"} <= set(targets)
    assert "请上传中英文成绩单（附件）。" in summary
    assert_every_link_reaches_a_field(response, summary)
    # The summary comes before the form itself.
    assert response.text.index("error-summary") < response.text.index('id="application-form"')
    application.refresh_from_db()
    assert (application.status, application.phone) == (Status.DRAFT, "13700000000")


def test_submit_with_a_wrong_field_is_not_submitted_and_lists_the_rest_too(
    student_client, make_draft
):
    application = make_draft(complete=False, name="张晓明")

    response = post(
        student_client, application, "submit", **{**form_data(application), "email": "not-mail"}
    )

    summary = summary_of(response)
    assert summary is not None and "申请未提交" in summary
    # The wrong field, and what is still missing too (not found only at the next 提交).
    assert {"id_email", "id_transcript", "id_enrollment"} <= set(links_of(summary))
    assert GENERIC not in response.text, "not the save's banner: this was a 提交"
    assert_every_link_reaches_a_field(response, summary)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submit_refused_on_a_closed_program_says_why_and_not_submitted(
    student_client, student, make_draft
):
    application = make_draft()
    with time_machine.travel(application.program.closes_at + timedelta(seconds=1)):
        student_client.force_login(student)
        response = post(student_client, application, "submit", **form_data(application))

    summary = summary_of(response)
    assert summary is not None and "申请未提交" in summary
    assert "该项目已停止报名" in summary
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_refused_save_links_the_field_it_did_not_keep(student_client, make_draft):
    application = make_draft(email="old@example.edu")

    response = post(
        student_client, application, "save", **{**form_data(application), "email": "not-mail"}
    )

    summary = summary_of(response)
    assert summary is not None and "部分内容未保存" in summary and GENERIC in summary
    assert links_of(summary) == ["id_email"], "a 保存 lists what it refused, not what is missing"
    assert_every_link_reaches_a_field(response, summary)


def test_a_clean_form_page_has_no_summary(student_client, make_draft):
    application = make_draft(complete=False)
    response = student_client.get(reverse("applications:edit", args=[application.pk]))
    assert summary_of(response) is None


def test_the_form_page_script_focuses_the_summary():
    # Under the CSP (script-src 'self') the focus is moved by the form's static script.
    from pathlib import Path

    script = (Path(__file__).parents[2] / "static/js/application-form.js").read_text()
    assert "[data-error-summary]" in script and "summary.focus()" in script


@pytest.mark.parametrize("region", ["international", "hmt"])
def test_summary_in_english(student_client, make_draft, region):
    application = make_draft(program=ProgramFactory(region=region), complete=False)
    student_client.cookies["django_language"] = "en"
    response = post(student_client, application, "submit", HTTP_ACCEPT_LANGUAGE="en")
    summary = summary_of(response)
    assert summary is not None and "not submitted" in summary.lower()
