"""The Content-Security-Policy in Chromium: no violation on the key pages, and the
scripts still work (they are all static files; nothing inline is allowed)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, TIMEOUT_MS
from tests.e2e.test_application_journey import choose
from tests.e2e.test_catalog_journey import sign_in
from tests.factories import PASSWORD, ProgramFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.violations = []

    def note(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            page.violations.append(f"{page.url}: {message.text}")

    page.on("console", note)
    page.on("pageerror", lambda error: page.violations.append(f"{page.url}: {error}"))
    yield page
    context.close()


def test_student_pages_run_their_scripts_without_csp_violations(
    desktop, live_server, student, make_draft, make_submitted
):
    page = desktop
    draft = make_draft(program=ProgramFactory(title="东京大学交换项目"), complete=False)
    submitted = make_submitted(program=ProgramFactory(title="首尔大学交换项目"))
    sign_in(page, live_server.url, student.username)
    expect(page.get_by_role("heading", name="交流项目").first).to_be_visible()

    # The form: application-form.js shows the passport fields for 是 and hides them for 否.
    page.goto(f"{live_server.url}/applications/{draft.pk}/edit/")
    passport_number = page.get_by_label("护照号码")
    choose(page, "是")
    expect(passport_number).to_be_visible()
    choose(page, "否")
    expect(passport_number).to_be_hidden()

    # The 补录分数 dialog (Bootstrap's modal, from the static bundle) opens and closes.
    page.goto(f"{live_server.url}/applications/{submitted.pk}/")
    page.get_by_role("link", name="补录分数").click()
    dialog = page.get_by_role("dialog", name="补录外语分数")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    # The language switch and the error page.
    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()

    assert page.violations == []


def test_admin_pages_run_their_scripts_without_csp_violations(
    desktop, live_server, superuser, make_submitted
):
    page = desktop
    application = make_submitted(program=ProgramFactory(title="东京大学交换项目"))
    make_submitted(program=ProgramFactory(title="首尔大学交换项目"))

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("用户名").fill(superuser.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="出国（境）事务管理")).to_be_visible()

    # Change list: the select-all box of actions.js ticks every row.
    page.goto(f"{live_server.url}/admin/applications/application/")
    page.locator("#action-toggle").check()
    rows = page.locator("input.action-select")
    expect(rows).to_have_count(2)
    for index in range(2):
        expect(rows.nth(index)).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("2")

    # Change page, with the review buttons and the history.
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    expect(page.locator("#content")).to_contain_text("东京大学交换项目")

    # The office's own pages: statistics (the SVG chart) and the result import.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/admin/applications/application/statistics/")
    expect(page.locator(".results-counts")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "csp-admin-statistics.png", full_page=True)
    page.goto(f"{live_server.url}/admin/applications/application/admission-results/import/")
    expect(page.locator("#content")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "csp-admin-import.png", full_page=True)
    # A program's change page: admin's date and time widgets (calendar.js).
    page.goto(f"{live_server.url}/admin/programs/program/{application.program_id}/change/")
    page.locator(".datetimeshortcuts a").first.click()

    assert page.violations == []
