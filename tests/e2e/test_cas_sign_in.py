"""统一身份认证 through Chromium: portal -> real CAS server (mama-cas) -> portal, and out."""

import re

import pytest
from playwright.sync_api import expect

from tests.cas_server import PEOPLE
from tests.smtp_server import closed_port

pytestmark = [pytest.mark.e2e, pytest.mark.cas, pytest.mark.django_db(transaction=True)]

ZHANG = "2021301000001"


def test_cas_round_trip_fills_profile_keeps_next_and_signs_out_of_both(
    page, live_server, cas_settings, cas_server, snap
):
    portal = live_server.url
    page.goto(f"{portal}/applications/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/applications/$"))
    snap("1-login")

    page.get_by_role("link", name="统一身份认证登录").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(cas_server.url)}login\?service="))
    page.locator("#id_username").fill(ZHANG)
    page.locator("#id_password").fill(PEOPLE[ZHANG]["password"])
    snap("2-cas-server")
    page.locator("button[type=submit]").click()

    # Back with a ticket, validated, and on to the page first asked for.
    expect(page).to_have_url(f"{portal}/applications/")
    expect(page.get_by_role("heading", name="近期申请列表")).to_be_visible()
    snap("3-arrived")

    page.goto(f"{portal}/accounts/profile/")
    expect(page.get_by_label("学院")).to_have_value("计算机学院")
    expect(page.get_by_label("学院")).to_be_disabled()
    expect(page.get_by_label("性别")).to_be_enabled()
    snap("4-profile")

    # 退出: the portal's session, then the CAS server's, then back to the login page.
    with page.expect_navigation(url=f"{portal}/accounts/login/"):
        page.locator("form[action='/accounts/logout/']").evaluate("form => form.submit()")
    snap("5-signed-out")

    # Signed out of CAS too: the button leads to the password form, not straight in.
    page.get_by_role("link", name="统一身份认证登录").click()
    expect(page.locator("#id_password")).to_be_visible()


def test_cas_server_down_shows_the_message_and_the_local_form_still_works(
    page, live_server, cas_settings, snap
):
    cas_settings.CAS_SERVER_URL = f"http://127.0.0.1:{closed_port()}/cas/"
    page.goto(f"{live_server.url}/accounts/cas/login/?next=%2F&ticket=ST-1")

    expect(page.get_by_role("alert")).to_contain_text("统一身份认证服务暂时无法连接")
    page.get_by_text("本地账户登录（系统管理员）").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    snap("zh")

    if page.viewport_name == "phone":
        page.get_by_role("button", name="展开导航").click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Sign in with unified identity")).to_be_visible()
    page.get_by_text("Local account sign-in (system administrator)").click()
    expect(page.get_by_label("Username")).to_be_visible()
    snap("en")
