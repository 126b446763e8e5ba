"""The office's admin pages in Chromium, desktop and phone: axe-core finds no serious or
critical problem in what the portal adds (the application list with its 项目 filter, the
application's page with its review buttons, 报名统计, 核验申请表), the list keeps its
columns readable on a phone, and names are not written in capitals.

axe-core comes from the project's node_modules (`npm ci`, see package.json)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.applications import services
from apps.programs.models import Region
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_review_journey import admin_sign_in
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  const node = (n) => `${n.target.join(" ")} ${(n.failureSummary || "").replace(/\\s+/g, " ")}`;
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(node).join(" | ")}`);
}"""
# Moderate for axe, but the 项目 filter's search form was a second unnamed search landmark.
LANDMARKS = """async () => {
  const results = await axe.run(document, {runOnly: ["landmark-unique"]});
  const where = (v) => v.nodes.map((n) => n.target.join(" ")).join(", ");
  return results.violations.map((v) => `${v.id}: ${where(v)}`);
}"""


@pytest.fixture
def office_page(browser, request):
    """A page of its own context: the CSP (script-src 'self') would refuse the injected axe."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (installs axe-core).")
    viewport = getattr(request, "param", "desktop")
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.viewport_name = viewport
    yield page
    context.close()


def problems(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS) + page.evaluate(LANDMARKS)


def shoot(page, name):
    folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"admin-{name}-{page.viewport_name}.png", full_page=True)


@pytest.mark.parametrize("office_page", list(VIEWPORTS), indirect=True)
def test_the_offices_admin_pages_pass_axe(
    office_page, live_server, make_submitted, make_clerk, superuser
):
    page = office_page
    program = ProgramFactory(title="东京大学本科生交换项目", term="2027年春季学期")
    waiting = make_submitted(program=program, name="陈思远", school="外国语学院")
    returned = make_submitted(
        program=program, owner=StudentProfileFactory().user, name="李雨桐", school="计算机学院"
    )
    services.return_application(application=returned, actor=superuser, comment="请补充成绩单")
    make_clerk(Region.INTERNATIONAL, username="intl_clerk")
    base = live_server.url
    admin_sign_in(page, base, "intl_clerk")

    # Names are not shouted: Django writes the user tools in capitals.
    tools = page.locator("#user-tools")
    assert tools.evaluate("e => getComputedStyle(e).textTransform") == "none"
    logout = page.locator("#logout-form button")
    assert logout.evaluate("e => getComputedStyle(e).textTransform") == "none"

    page.goto(f"{base}/admin/applications/application/")
    expect(page.get_by_text("陈思远")).to_be_visible()
    shoot(page, "list")
    assert problems(page) == []
    school = page.locator("#result_list td.field-school").first
    if page.viewport_name == "phone":
        expect(school).to_be_hidden()  # not one character a line
        expect(page.locator("#result_list td.field-program").first).to_be_visible()
    else:
        expect(school).to_be_visible()

    page.goto(f"{base}/admin/applications/application/{waiting.pk}/change/")
    expect(page.locator(".review-return")).to_be_visible()
    shoot(page, "change")
    assert problems(page) == []

    page.goto(f"{base}/admin/applications/application/statistics/")
    expect(page.get_by_role("heading", name="按项目", exact=True)).to_be_visible()
    shoot(page, "statistics")
    assert problems(page) == []

    page.goto(
        f"{base}/applications/verify/?number={waiting.number}&code={waiting.verification_code}"
    )
    expect(page.get_by_text("校验码正确")).to_be_visible()
    shoot(page, "verify")
    assert problems(page) == []
