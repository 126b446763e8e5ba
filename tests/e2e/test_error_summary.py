"""A refused 提交 or 保存 in the browser: the summary at the top takes focus, and each of its
links takes the student to the field (focused, its label in view); the catalog marks the
programs applied to. Screenshots at 1280 and 390 px, in Chinese and English."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.applications import services
from tests.conftest import PASSWORD
from tests.e2e.test_catalog_journey import open_nav, sign_in
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def a_draft(title="东京大学本科生交换项目"):
    student = StudentProfileFactory(name="李华", gender="", phone="", email="").user
    program = ProgramFactory(title=title, partner="东京大学", country="日本")
    application, _ = services.start_application(program=program, student=student)
    return student, application


def test_a_refused_submit_focuses_the_summary_whose_links_lead_to_the_fields(
    page, live_server, snap
):
    student, application = a_draft()
    sign_in(page, live_server.url, student.username)
    page.goto(live_server.url + reverse("applications:edit", args=[application.pk]))

    page.get_by_role("button", name="提交", exact=True).first.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("申请未提交")
    expect(summary).to_be_in_viewport()
    snap("refused-submit-zh")

    summary.get_by_role("link", name=re.compile("性别")).click()
    expect(page.locator("#id_gender")).to_be_focused()
    expect(page.locator("label[for='id_gender']")).to_be_in_viewport()
    summary.get_by_role("link", name=re.compile("成绩单")).click()
    expect(page.locator("#id_transcript")).to_be_focused()


def test_a_refused_save_in_english_says_what_was_not_kept(page, live_server, snap):
    student, application = a_draft()
    sign_in_en(page, live_server.url, student.username)
    page.goto(live_server.url + reverse("applications:edit", args=[application.pk]))

    page.get_by_label("Email").fill("not-an-address")
    page.get_by_role("button", name="Save", exact=True).first.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Some of it was not saved")
    snap("refused-save-en")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_email")).to_be_focused()

    # And a 提交 in English, for the screenshots.
    page.get_by_role("button", name="Submit", exact=True).first.click()
    expect(page.locator("#error-summary")).to_contain_text("Application not submitted")
    snap("refused-submit-en")


def sign_in_en(page, base_url, username):
    """Signs in after choosing English with the login page's language switch."""
    page.goto(f"{base_url}/")
    open_nav(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Student ID").fill(username)
    page.get_by_label("Unified identity password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_catalog_marks_the_programs_applied_to(page, live_server, snap, language):
    student, application = a_draft()
    ProgramFactory(title="京都大学短期访学项目", partner="京都大学", country="日本")
    if language == "en":
        sign_in_en(page, live_server.url, student.username)
    else:
        sign_in(page, live_server.url, student.username)
    page.goto(live_server.url + reverse("programs:list", args=["international"]))

    def mark(title):
        # The badge right after the title's link, whatever the row is drawn as.
        link = page.get_by_role("link", name=title, exact=True)
        return link.locator("xpath=following-sibling::span[contains(@class, 'mine-badge')]")

    expect(mark("东京大学本科生交换项目")).to_have_text("草稿" if language == "zh" else "Draft")
    expect(mark("京都大学短期访学项目")).to_have_count(0)
    snap(f"catalog-{language}")
