"""退回修改 that says exactly what to fix, end to end: the clerk ticks two items (the phone
number and the transcript) with a note each; the student sees each note beside its field,
the 填写进度 card lists them, 提交 is refused until both are dealt with; the student fixes
them; the clerk sees 退回后的修改, old and new side by side, the old transcript still
downloadable. axe-core finds no serious problem on the three new views."""

import re

import pytest
from playwright.sync_api import expect

from apps.programs.models import Region
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORTS
from tests.e2e.test_admin_pages import AXE, SERIOUS
from tests.e2e.test_catalog_journey import sign_in
from tests.e2e.test_review_journey import admin_sign_in
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_NOTE = "请填写本人常用的手机号码。"
TRANSCRIPT_NOTE = "请上传本学期最新的中英文成绩单。"


def axe_problems(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_clerk_ticks_two_items_student_fixes_them_clerk_sees_the_diff(
    browser, live_server, make_submitted, make_clerk, tmp_path, viewport
):
    program = ProgramFactory(title="东京大学本科生交换项目", region=Region.INTERNATIONAL)
    application = make_submitted(program=program, name="陈思远", phone="13812345678")
    clerk = make_clerk(username="intl_clerk")
    size = VIEWPORTS[viewport]

    office = browser.new_context(viewport=size, locale="zh-CN", bypass_csp=True)
    page = office.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    admin_sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    page.locator(".review-buttons").get_by_role("link", name="退回修改").click()

    # The clerk ticks two items, each with its note, and writes the overall comment.
    page.get_by_label("审核意见").fill("请按说明修改后重新提交。")
    page.get_by_role("checkbox", name="手机号码").check()
    page.get_by_label("「手机号码」的修改说明").fill(PHONE_NOTE)
    page.get_by_role("checkbox", name="中英文成绩单（附件）").check()
    page.get_by_label("「中英文成绩单（附件）」的修改说明").fill(TRANSCRIPT_NOTE)
    assert axe_problems(page) == []
    page.get_by_role("button", name="确认退回修改", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("已处理 1 份申请")

    # The student: each note beside its field, the card lists both, 提交 is refused.
    student = browser.new_context(viewport=size, locale="zh-CN", bypass_csp=True)
    student_page = student.new_page()
    student_page.set_default_timeout(TIMEOUT_MS)
    sign_in(student_page, live_server.url, application.student.username)
    student_page.goto(f"{live_server.url}/applications/{application.pk}/edit/")
    phone = student_page.get_by_label("手机号码", exact=True)
    expect(phone).to_have_attribute("aria-describedby", re.compile("return-note-phone"))
    expect(student_page.locator("#return-note-phone")).to_contain_text(PHONE_NOTE)
    expect(student_page.locator("#return-note-transcript")).to_contain_text(TRANSCRIPT_NOTE)
    card = student_page.locator(".return-item-progress")
    expect(card).to_contain_text("手机号码")
    expect(card.locator(".is-missing")).to_have_count(2)
    assert axe_problems(student_page) == []
    student_page.locator(".form-actions button[value=submit]").click()
    expect(student_page.locator(".error-summary, [role=alert]").first).to_be_visible()
    expect(student_page).to_have_url(re.compile(rf"/applications/{application.pk}/edit/$"))

    # The student fixes both: a new phone number, the transcript replaced.
    student_page.get_by_label("手机号码", exact=True).fill("13900000000")
    slot = student_page.locator(".attachment-slot").filter(has_text="中英文成绩单（附件）")
    slot.get_by_role("button", name=re.compile("^删除")).first.click()
    expect(student_page.locator(".messagelist, .alert").first).to_be_visible()
    new_transcript = tmp_path / "成绩单-最新.pdf"
    new_transcript.write_bytes(_pdf())
    student_page.locator("#id_transcript").set_input_files(new_transcript)
    student_page.locator(".form-actions button[value=save]").click()
    expect(student_page.locator(".return-item-progress .is-done")).to_have_count(2)
    student_page.locator(".form-actions button[value=submit]").click()
    expect(student_page).to_have_url(re.compile(rf"/applications/{application.pk}/$"))
    expect(student_page.locator(".status-badge")).to_have_text("待审核")

    # The clerk sees what changed: old and new side by side, the old file downloadable.
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    changes = page.locator(".return-changes")
    expect(changes).to_contain_text("退回后的修改")
    expect(changes.locator("del").filter(has_text="13812345678")).to_be_visible()
    expect(changes.locator("ins").filter(has_text="13900000000")).to_be_visible()
    expect(changes).to_contain_text("成绩单-最新.pdf")
    expect(changes).to_contain_text("已被替换，旧版本")
    old_link = changes.locator("del a").first
    with page.expect_download() as download:
        old_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert axe_problems(page) == []
    student.close()
    office.close()


def _pdf():
    from tests.builders import pdf_upload

    return pdf_upload().read()
