"""Every student page, in Chinese and in English, on a desktop and on a 390 px phone:
nothing wider than the screen, no action control off screen, and no serious or critical
axe-core violation (axe from the project's own node_modules, installed by `make setup`)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, VIEWPORTS
from tests.student_pages import LANGUAGES, student_pages, student_with_everything

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

CHECKS = Path(__file__).resolve().parent / "checks"
FIT = (CHECKS / "fit.js").read_text()
AXE_SERIOUS = (CHECKS / "axe_serious.js").read_text()


def with_contrast(params, name):
    """A function of `params` whose body, CHECKS/name, may use contrast.js's helpers."""
    helpers, body = (CHECKS / "contrast.js").read_text(), (CHECKS / name).read_text()
    return f"({params}) => {{\n{helpers}\n{body}}}"


HEADER_LINKS = with_contrast("", "header_links.js")
FOCUS_RING = with_contrast("el", "focus_ring.js")


@pytest.fixture(params=list(VIEWPORTS))
def student_context(request, browser):
    """A context of its own: the CSP (script-src 'self') would refuse the injected axe."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], bypass_csp=True)
    context.set_default_timeout(20_000)
    context.viewport_name = request.param
    yield context
    context.close()


def open_page(page, base_url, student_page, language):
    page.goto(base_url + (student_page.start or student_page.path))
    if student_page.button:  # e.g. 生成订阅链接 (or 重新生成, once there is one)
        names = "|".join(student_page.button[language])
        page.get_by_role("button", name=re.compile(f"^({names})$")).click()
        page.wait_for_load_state()
    elif student_page.post:  # the refused 提交: press the button a student sees
        page.locator("button[name=action][value=submit]").locator("visible=true").first.click()
        page.wait_for_load_state()
    if student_page.opens_dialog:
        page.get_by_role("link", name=student_page.opens_dialog[language]).first.click()
        expect(page.get_by_role("dialog")).to_be_visible()
        # Bootstrap fades the dialog in; measure it once the fade has ended.
        page.wait_for_function(
            "(m => m && getComputedStyle(m).opacity === '1')(document.querySelector('.modal.show'))"
        )


def test_every_student_page_fits_the_screen_and_passes_axe(
    student_context, live_server, client, request
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci installs axe-core).")
    student, applications = student_with_everything(request)
    client.force_login(student)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    viewport = student_context.viewport_name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = student_context.new_page()
    problems = []
    for language in LANGUAGES:
        for student_page in student_pages(applications):
            student_context.clear_cookies()
            cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
            if student_page.signed_in:
                cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session})
            student_context.add_cookies([{**c, "url": live_server.url} for c in cookies])
            open_page(page, live_server.url, student_page, language)
            where = f"{language} {viewport} {student_page.name}"
            shot = ARTIFACTS / f"student-{viewport}-{language}-{student_page.name}.png"
            page.screenshot(path=shot, full_page=True)
            problems += [f"{where}: {p}" for p in page.evaluate(FIT)]
            page.add_script_tag(path=AXE)
            problems += [f"{where}: {p}" for p in page.evaluate(AXE_SERIOUS)]
    assert not problems, "\n".join(problems)


def signed_in_context(browser, live_server, client, viewport):
    """A browser context with the session of `client` (force_login'ed)."""
    context = browser.new_context(viewport=viewport)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context


def test_header_links_and_focus_rings_stand_out(browser, live_server, client, student):
    """Nav links ≥ 4.5:1 on the header's gradient; a focused control's ring ≥ 3:1 on the
    page (Bootstrap's 25 % glow is about 1.5:1)."""
    client.force_login(student)
    context = signed_in_context(browser, live_server, client, VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(live_server.url + "/programs/international/?q=x")
    try:
        links = page.evaluate(HEADER_LINKS)
        assert links and all(ratio >= 4.5 for _name, ratio in links), links
        for control in (
            page.get_by_role("button", name="查询"),
            page.get_by_role("link", name="清除"),
            page.get_by_label("搜索"),
            page.locator(".breadcrumb").get_by_role("link", name="首页"),
        ):
            control.focus()
            ratio = control.evaluate(FOCUS_RING)
            assert ratio >= 3, (control, ratio)
    finally:
        context.close()


def test_header_and_lists_fit_between_phone_and_desktop(browser, live_server, client, request):
    """The widths between the two of the walk above, where the English header is tight
    (992–1200 px, expanded), the catalog's search row narrow (576–768 px) and 近期申请列表
    a table with up to three actions a row (768 px on)."""
    student, _applications = student_with_everything(request)
    client.force_login(student)
    context = signed_in_context(browser, live_server, client, VIEWPORTS["desktop"])
    page = context.new_page()
    problems = []
    try:
        for language in LANGUAGES:
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for width in (360, 576, 768, 992, 1024, 1100):
                page.set_viewport_size({"width": width, "height": 800})
                for path in ("/programs/hmt/?state=open", "/applications/"):
                    page.goto(live_server.url + path)
                    where = f"{language} {width}px {path}"
                    problems += [f"{where}: {p}" for p in page.evaluate(FIT)]
                    header = page.locator(".portal-header").bounding_box()["height"]
                    if header > 72:
                        problems.append(f"{where}: the header is {header}px high")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
