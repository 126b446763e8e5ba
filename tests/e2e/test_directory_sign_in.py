import pytest
from playwright.sync_api import expect

from tests.ldap_server import STUDENTS

pytestmark = [pytest.mark.e2e, pytest.mark.ldap, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_with_the_directory_password_fills_the_profile(
    page, live_server, ldap_settings, snap
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("学号").fill("2021301000001")
    page.get_by_label("统一身份认证密码").fill(STUDENTS["2021301000001"]["password"])
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    expect(page.get_by_text("张三，欢迎使用学生交流管理系统")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_label("学院")).to_have_value("计算机学院")
    expect(page.get_by_label("学院")).to_be_disabled()
    expect(page.get_by_label("性别")).to_be_enabled()
    snap("profile")
