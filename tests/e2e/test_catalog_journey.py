import pytest
from playwright.sync_api import expect

from apps.programs.models import Region
from tests.factories import PASSWORD, ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    page.get_by_label("学号").fill(username)
    page.get_by_label("统一身份认证密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Signed in once the portal has sent the browser on from the login page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_nav(page):
    if page.viewport_name == "phone":
        page.get_by_role("button", name="展开导航").click()


def test_student_signs_in_browses_both_tracks_and_sees_apply_only_while_open(
    page, live_server, snap
):
    student = StudentProfileFactory(name="张晓明").user
    ProgramFactory(title="东京大学本科生交换项目", partner="东京大学", country="日本")
    ProgramFactory(title="京都大学短期访学项目", partner="京都大学", country="日本", closed=True)
    ProgramFactory(title="多伦多大学暑期研修项目", partner="多伦多大学", country="加拿大")
    ProgramFactory(
        title="香港大学学期交流项目", partner="香港大学", country="中国香港", region=Region.HMT
    )

    sign_in(page, live_server.url, student.username)
    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    expect(page.get_by_text("外事管理系统")).to_be_visible()
    expect(page.get_by_text("港澳台管理系统")).to_be_visible()
    snap("home")

    page.get_by_role("link", name="校际交流项目").first.click()
    expect(page.get_by_role("heading", name="校际交流项目（国际）")).to_be_visible()
    expect(page.get_by_role("link", name="香港大学学期交流项目")).to_have_count(0)

    page.get_by_label("搜索").fill("日本")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name="多伦多大学暑期研修项目")).to_have_count(0)
    expect(page.get_by_role("link", name="东京大学本科生交换项目")).to_be_visible()
    snap("search")

    page.get_by_role("link", name="东京大学本科生交换项目").click()
    expect(page.get_by_role("heading", name="东京大学本科生交换项目")).to_be_visible()
    expect(page.get_by_role("button", name="报名")).to_be_visible()
    snap("open-program")

    page.go_back()
    page.get_by_role("link", name="京都大学短期访学项目").click()
    expect(page.get_by_text("该项目已停止报名")).to_be_visible()
    expect(page.get_by_role("button", name="报名", exact=True)).to_have_count(0)

    open_nav(page)
    page.get_by_role("link", name="校际交流项目（港澳台）").click()
    expect(page.get_by_role("link", name="香港大学学期交流项目")).to_be_visible()


def test_wrong_password_is_told_in_chinese(page, live_server):
    StudentProfileFactory(user__username="2023301000009")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("学号").fill("2023301000009")
    page.get_by_label("统一身份认证密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("学号或密码错误")).to_be_visible()
