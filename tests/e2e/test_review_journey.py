"""The office's review, end to end: a clerk signs in to admin, finds an application,
returns it with a comment; the student reads the comment and resubmits; the clerk
approves; the student sees 审核通过; the administrator imports the partner school's
result file; the student sees 录取."""

import re

import pytest
from playwright.sync_api import expect

from apps.programs.models import Region
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORTS
from tests.e2e.test_catalog_journey import sign_in
from tests.factories import PASSWORD, ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRAM = "东京大学本科生交换项目"
COMMENT = "成绩单缺少英文版，请补充后重新提交。"


def admin_sign_in(page, base_url, username):
    page.goto(f"{base_url}/admin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="交换项目管理后台")).to_be_visible()


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_clerk_returns_student_resubmits_clerk_approves_admin_imports_student_admitted(
    page, browser, live_server, snap, make_submitted, make_clerk, superuser, tmp_path
):
    program = ProgramFactory(title=PROGRAM, partner="东京大学")
    application = make_submitted(program=program, name="陈思远")
    make_submitted(program=program, owner=StudentProfileFactory().user, name="另一位同学")
    make_submitted(
        program=ProgramFactory(title="香港大学学期交流项目", region=Region.HMT),
        owner=StudentProfileFactory().user,
        name="港澳台同学",
    )
    clerk = make_clerk(username="intl_clerk", first_name="国际交流部")
    student_id = application.student.username

    # The clerk signs in with the local password and sees only their track.
    admin_sign_in(page, live_server.url, clerk.username)
    page.get_by_role("rowheader", name="报名申请").get_by_role("link").click()
    expect(page.get_by_text("陈思远")).to_be_visible()
    expect(page.get_by_text("港澳台同学")).to_have_count(0)

    # Filter: 待审核, then search by student ID.
    page.locator("#changelist-filter").get_by_role("link", name="待审核").click()
    page.locator("#searchbar").fill(student_id)
    page.locator("#searchbar").press("Enter")
    expect(page.get_by_text("另一位同学")).to_have_count(0)
    snap("clerk-list")
    page.get_by_role("link", name=student_id).click()

    # The application page: read-only answers, files, history, review buttons.
    expect(page.get_by_role("heading", name="审核报名申请")).to_be_visible()
    expect(page.get_by_role("link", name="transcript.pdf")).to_be_visible()
    snap("clerk-application")
    page.get_by_role("link", name="退回修改").click()
    comment = page.get_by_label("审核意见")
    expect(comment).to_have_attribute("required", "")  # the server insists too
    comment.fill(COMMENT)
    snap("clerk-return-comment")
    page.get_by_role("button", name="确认退回修改", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("已处理 1 份申请")
    expect(page.locator(".review-state")).to_contain_text("退回修改")

    # The student reads the comment (home notice and details page) and resubmits.
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    student_page = context.new_page()
    student_page.set_default_timeout(TIMEOUT_MS)
    sign_in(student_page, live_server.url, student_id)
    notice = student_page.locator(".notice")
    expect(notice).to_contain_text("退回修改")
    expect(notice).to_contain_text(COMMENT)
    notice.get_by_role("link", name="查看详情").click()
    expect(student_page.get_by_role("alert")).to_contain_text(COMMENT)
    student_page.get_by_role("link", name="编辑").click()
    expect(student_page.get_by_text(COMMENT)).to_be_visible()
    student_page.get_by_role("button", name="提交", exact=True).first.click()
    expect(student_page).to_have_url(re.compile(rf"/applications/{application.pk}/$"))
    expect(student_page.locator(".status-badge")).to_have_text("待审核")

    # The clerk approves from the application page.
    page.reload()
    expect(page.locator(".review-state")).to_contain_text("待审核")
    page.locator(".review-buttons").get_by_role("link", name="审核通过").click()
    expect(page.get_by_role("table")).to_contain_text("陈思远")  # confirmed before final
    page.get_by_role("button", name="确认审核通过", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("审核通过：已处理 1 份申请")
    snap("clerk-approved")

    # The student sees 审核通过.
    student_page.goto(f"{live_server.url}/applications/{application.pk}/")
    expect(student_page.locator(".status-badge")).to_have_text("审核通过")
    student_page.goto(f"{live_server.url}/")
    expect(student_page.locator(".notice").first).to_contain_text("审核通过")

    # The administrator imports the partner school's answer as a CSV file (GBK, as
    # Chinese Excel saves it), checks the preview and confirms.
    results = tmp_path / "东京大学录取结果.csv"
    results.write_bytes(f"学号,项目,录取结果\r\n{student_id},{PROGRAM},录取\r\n".encode("gbk"))
    page.context.clear_cookies()
    admin_sign_in(page, live_server.url, superuser.username)
    page.get_by_role("link", name="导入录取结果").first.click()
    page.get_by_label("结果文件").set_input_files(results)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("row").filter(has_text=student_id)).to_contain_text("录取")
    page.get_by_role("button", name="确认导入（1 条）").click()
    expect(page.get_by_text("已写入 1 条录取结果")).to_be_visible()

    # The student sees 录取; the exchange summary opens once the program has begun.
    student_page.goto(f"{live_server.url}/applications/{application.pk}/")
    expect(student_page.locator(".result-badge")).to_have_text("录取")
    expect(student_page.locator(".summary-opens")).to_contain_text(
        f"交流总结将于 {program.start_date.isoformat()}（项目开始日期）起开放填写"
    )
    expect(student_page.get_by_role("link", name="填写交流总结")).to_have_count(0)
    context.close()
