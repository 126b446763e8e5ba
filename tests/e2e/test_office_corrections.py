"""A clerk's day in admin, on a desktop and a phone: filter the list by program and
待审核, open an application, decide with the confirmation, go on to the next one; the
administrator imports a result file with an error row (只导入有效行, then the error rows
as a file); the office head reverts a decision with a reason."""

import csv
import io

import pytest
from playwright.sync_api import expect

from apps.applications import services
from apps.applications.models import Application, Status
from tests.e2e.test_review_journey import admin_sign_in
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRAM = "慕尼黑工业大学学期交换项目"
REASON = "审核时看错了成绩单，需重新审核。"


def test_filter_open_decide_with_confirmation_then_the_next(
    page, live_server, snap, make_submitted, make_clerk
):
    program = ProgramFactory(title=PROGRAM, partner="慕尼黑工业大学")
    older = make_submitted(program=program, owner=StudentProfileFactory().user, name="赵一")
    newer = make_submitted(program=program, owner=StudentProfileFactory().user, name="钱二")
    make_submitted(owner=StudentProfileFactory().user, name="别的项目的同学")
    clerk = make_clerk(username="intl_clerk", first_name="国际交流部")

    admin_sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/admin/applications/application/")
    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name=PROGRAM).click()
    filters.get_by_role("link", name="待审核").click()
    expect(page.get_by_text("别的项目的同学")).to_have_count(0)
    snap("list-filtered")

    # Newest first: 钱二, then 赵一.
    # By the name: on a phone the list keeps 姓名 and hides the 学号 column.
    page.locator("#result_list").get_by_role("link", name="钱二", exact=True).click()
    page.locator(".review-buttons").get_by_role("link", name="审核通过").click()
    confirmation = page.get_by_role("table")
    expect(confirmation).to_contain_text("钱二")
    expect(confirmation).to_contain_text(PROGRAM)
    expect(confirmation).to_contain_text("审核通过")
    snap("confirm-approve")
    assert Application.objects.get(pk=newer.pk).status == Status.SUBMITTED

    page.get_by_role("button", name="确认审核通过并审核下一条").click()
    expect(page.locator(".messagelist")).to_contain_text("审核通过：已处理 1 份申请")
    expect(page.locator("#content")).to_contain_text("赵一")
    snap("next-application")
    assert Application.objects.get(pk=newer.pk).status == Status.APPROVED

    page.locator(".review-buttons").get_by_role("link", name="退回修改").click()
    page.get_by_label("审核意见").fill("请补充英文成绩单。")
    page.get_by_role("button", name="确认退回修改并审核下一条").click()
    expect(page.locator(".messagelist")).to_contain_text("没有其他待审核的申请")
    expect(page.locator("#changelist-filter li.selected").first).to_be_visible()
    snap("list-done")
    assert Application.objects.get(pk=older.pk).status == Status.RETURNED


def test_import_with_an_error_row_only_valid_rows_then_the_error_file(
    page, live_server, snap, make_approved, make_submitted, superuser, tmp_path
):
    good = make_approved(owner=StudentProfileFactory().user, name="孙三")
    bad = make_submitted(owner=StudentProfileFactory().user, name="李四")
    results = tmp_path / "录取结果.csv"
    lines = [
        "学号,项目编号,项目,录取结果",
        f"{good.student.username},{good.program_id},,录取",
        f"{bad.student.username},{bad.program_id},,录取",
    ]
    results.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    admin_sign_in(page, live_server.url, superuser.username)
    page.goto(f"{live_server.url}/admin/applications/application/admission-results/import/")
    page.get_by_label("结果文件").set_input_files(results)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator(".errornote")).to_contain_text("只导入有效行")
    expect(page.get_by_role("button", name="确认导入（1 条）")).to_have_count(0)
    snap("import-preview-with-errors")

    page.get_by_role("button", name="只导入有效行（1 条）").click()
    expect(page.get_by_role("status")).to_contain_text("已导入 1 条有效行")
    snap("import-valid-rows-done")
    good.refresh_from_db()
    assert good.admission_result == "admitted"

    with page.expect_download() as download:
        page.get_by_role("button", name="下载有误的行（CSV，含错误原因）").click()
    path = download.value.path()
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert header[-2:] == ["错误原因", "原行号"]
    assert [row[0] for row in rows] == [bad.student.username]


def test_the_office_head_reverts_a_decision_with_a_reason(
    page, live_server, snap, make_submitted, make_office_head
):
    application = make_submitted(owner=StudentProfileFactory().user, name="周五")
    head = make_office_head(username="intl_head", first_name="主任")
    services.approve_application(application=application, actor=head)

    admin_sign_in(page, live_server.url, head.username)
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    page.get_by_role("link", name="撤销审核").click()
    expect(page.get_by_role("table")).to_contain_text("周五")
    page.get_by_role("button", name="确认撤销审核").click()
    expect(page.locator(".errorlist")).to_contain_text("请填写撤销原因")
    reason = page.get_by_label("撤销原因")
    expect(reason).to_have_attribute("aria-invalid", "true")
    reason.fill(REASON)
    snap("revert-reason")
    page.get_by_role("button", name="确认撤销审核").click()
    expect(page.locator(".messagelist")).to_contain_text("已恢复为「待审核」")
    expect(page.locator(".review-state")).to_contain_text("待审核")
    expect(page.locator(".inline-group")).to_contain_text(REASON)
    snap("reverted")

    # The same pages in English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/review/approve/")
    expect(page.get_by_role("button", name="Confirm: Approve, and review the next")).to_be_visible()
    snap("confirm-en")
    services.approve_application(application=application, actor=head)
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/revert-review/")
    expect(page.get_by_label("Reason for the revert")).to_be_visible()
    snap("revert-en")
