"""The administrator imports partner schools' results; the student then sees 录取."""

import pytest
from playwright.sync_api import expect

from apps.applications.models import AdmissionResult, Application
from apps.programs.models import Region
from tests.builders import COMPLETE, checked
from tests.e2e.test_catalog_journey import open_nav, sign_in
from tests.factories import PASSWORD, ProgramFactory, StudentProfileFactory, UserFactory
from tests.offices.admin.conftest import approve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRAM = "东京大学本科生交换项目"


def approved_application(student):
    from apps.applications import services
    from apps.attachments.models import AttachmentKind

    program = ProgramFactory(title=PROGRAM, partner="东京大学", region=Region.INTERNATIONAL)
    application, _ = services.start_application(program=program, student=student)
    services.save_draft(
        application=application,
        user=student,
        changes=COMPLETE,
        new_files=[checked(AttachmentKind.TRANSCRIPT), checked(AttachmentKind.ENROLLMENT)],
    )
    return approve(services.submit_application(application=application, user=student))


def test_administrator_imports_results_and_the_student_sees_admitted(
    page, live_server, snap, tmp_path
):
    student = StudentProfileFactory(name="张晓明").user
    application = approved_application(student)
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    results = tmp_path / "录取结果.csv"
    results.write_bytes(
        f"学号,项目,录取结果\r\n{student.username},{PROGRAM},录取\r\n".encode("gbk")
    )

    # The administrator: admin → 报名申请 → 导入录取结果 → preview → confirm.
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="导入录取结果").first.click()
    expect(page.get_by_role("heading", name="导入录取结果")).to_be_visible()
    page.get_by_label("结果文件").set_input_files(results)
    page.get_by_role("button", name="上传并预览").click()

    expect(page.get_by_role("heading", name="将更改的行")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=student.username)
    expect(row).to_contain_text("待定")
    expect(row).to_contain_text("录取")
    snap("preview")
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING  # nothing written yet

    page.get_by_role("button", name="确认导入（1 条）").click()
    expect(page.get_by_text("已写入 1 条录取结果")).to_be_visible()
    snap("confirmed")
    assert Application.objects.get(pk=application.pk).admission_result == "admitted"

    # The student signs in and sees 录取 on the list and on the details page.
    page.context.clear_cookies()
    sign_in(page, live_server.url, student.username)
    open_nav(page)
    page.get_by_role("link", name="近期申请列表").first.click()
    result_badge = page.locator(".result-badge").first
    expect(result_badge).to_have_text("录取")
    page.get_by_role("link", name=PROGRAM).first.click()
    expect(page.locator(".result-badge").first).to_have_text("录取")
    snap("student-details")
