import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfWriter

from tests.e2e.test_catalog_journey import open_nav, sign_in
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRAM = "新加坡国立大学学期交换项目"


def make_attachments(folder):
    """A real PDF, PNG and JPG: the server checks content, not names."""
    pdf, png, jpg = folder / "成绩单.pdf", folder / "在读证明.png", folder / "雅思成绩.jpg"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with pdf.open("wb") as handle:
        writer.write(handle)
    Image.new("RGB", (600, 400), "white").save(png, "PNG")
    Image.new("RGB", (600, 400), (200, 220, 240)).save(jpg, "JPEG")
    return pdf, png, jpg


def nav_link(page, name):
    open_nav(page)
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=name)


def test_student_saves_a_partial_draft_resumes_it_and_submits_with_attachments(
    page, live_server, snap, tmp_path
):
    student = StudentProfileFactory(name="李华", school="外国语学院").user
    ProgramFactory(title=PROGRAM, partner="新加坡国立大学", country="新加坡")
    pdf, png, jpg = make_attachments(tmp_path)
    expiry = (timezone.localdate() + timedelta(days=3 * 365)).isoformat()

    # 首页 → 校际交流项目（国际）→ the program → 报名
    sign_in(page, live_server.url, student.username)
    expect(page.get_by_role("heading", name="首页")).to_be_visible()
    nav_link(page, "校际交流项目（国际）").click()
    expect(page.get_by_role("heading", name="校际交流项目（国际）")).to_be_visible()
    page.get_by_role("link", name=PROGRAM).click()
    expect(page.get_by_role("heading", name=PROGRAM)).to_be_visible()
    page.get_by_role("button", name="报名", exact=True).click()

    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    expect(page.get_by_text("已创建报名草稿")).to_be_visible()
    # The profile's name and school are copied into the draft.
    expect(page.get_by_label("姓名", exact=True)).to_have_value("李华")
    expect(page.get_by_label("学院")).to_have_value("外国语学院")
    # No answer yet: the passport fields stay out of the way.
    passport_number = page.get_by_label("护照号码")
    expect(passport_number).to_be_hidden()
    snap("form-new")

    # Fill part of it, answer 否 for the passport, and save.
    page.get_by_label("英文/拼音姓名").fill("Li Hua")
    page.get_by_label("手机号码").fill("13800138000")
    choose(page, "是")
    expect(passport_number).to_be_visible()
    choose(page, "否")
    expect(passport_number).to_be_hidden()
    # With no file chosen, the form is sent form-encoded (cheaper for the server to read).
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="保存", exact=True).first.click()
    assert posted.value.headers["content-type"] == "application/x-www-form-urlencoded"

    expect(
        page.get_by_text("已保存。下次可以在「近期申请列表」中点击「编辑」继续填写。")
    ).to_be_visible()
    progress = page.get_by_role("complementary").filter(
        has=page.get_by_role("heading", name="填写进度")
    )
    expect(progress).to_contain_text("未完成")
    expect(progress).to_contain_text("请填写性别。")
    expect(progress).to_contain_text("请上传中英文成绩单（附件）。")
    expect(progress).not_to_contain_text("请填写手机号码。")
    expect(progress).not_to_contain_text("请选择是否已办理护照。")
    expect(page.get_by_text("信息已填写完整，可以提交。")).to_have_count(0)
    snap("draft-saved")

    # Come back later through 近期申请列表 → 编辑: everything is exactly as left.
    nav_link(page, "近期申请列表").click()
    expect(page.get_by_role("heading", name="近期申请列表")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=PROGRAM)
    expect(row.get_by_text("草稿", exact=True)).to_be_visible()
    snap("list-draft")
    row.get_by_role("link", name="编辑").click()

    expect(page.get_by_label("英文/拼音姓名")).to_have_value("Li Hua")
    expect(page.get_by_label("手机号码")).to_have_value("13800138000")
    expect(page.get_by_label("姓名", exact=True)).to_have_value("李华")
    expect(page.get_by_role("radio", name="否", exact=True)).to_be_checked()
    expect(passport_number).to_be_hidden()

    # Complete the rest.
    page.get_by_label("性别").select_option(label="男")
    page.get_by_label("学历层次").select_option(label="本科")
    page.get_by_label("专业").fill("英语")
    page.get_by_label("入学年份").fill("2022")
    page.get_by_label("电子邮箱").fill("lihua@example.edu.cn")
    page.get_by_label("外语考试类型").select_option(label="雅思 IELTS")
    page.get_by_label("外语成绩").fill("7")
    choose(page, "是")
    expect(passport_number).to_be_visible()
    passport_number.fill("E12345678")
    page.get_by_label("护照有效期").fill(expiry)
    page.get_by_label("中英文成绩单（附件）").set_input_files(pdf)
    page.get_by_label("中英文在读证明（附件）").set_input_files(png)
    page.get_by_label("外语水平证明（附件）").set_input_files(jpg)
    snap("form-complete")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="提交", exact=True).first.click()
    assert posted.value.headers["content-type"].startswith("multipart/form-data")

    # The upload goes by XHR; the answer is the details page.
    expect(page).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(page.get_by_role("heading", name=PROGRAM)).to_be_visible()
    expect(page.get_by_text("申请已提交，将由")).to_be_visible()
    expect(page.get_by_text("待审核", exact=True)).to_be_visible()
    for name in ("成绩单.pdf", "在读证明.png", "雅思成绩.jpg"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_text("E12345678")).to_be_visible()
    expect(page.get_by_text(expiry)).to_be_visible()
    expect(page.get_by_role("link", name="编辑")).to_have_count(0)
    snap("submitted")

    # 近期申请列表: 待审核, and nothing left to edit.
    nav_link(page, "近期申请列表").click()
    row = page.get_by_role("row").filter(has_text=PROGRAM)
    expect(row.get_by_text("待审核", exact=True)).to_be_visible()
    expect(row.get_by_role("link", name="编辑")).to_have_count(0)
    expect(row.get_by_role("link", name="详情")).to_be_visible()
    snap("list-submitted")


def choose(page, answer):
    """The 是/否 radios are drawn as toggle buttons: click the button the student sees."""
    page.locator("label.btn", has_text=answer).click()
    expect(page.get_by_role("radio", name=answer, exact=True)).to_be_checked()


def test_delete_with_a_new_file_chosen_replaces_the_file_through_the_upload(
    page, live_server, tmp_path
):
    """删除 clicked while a file is chosen goes through the progress-bar upload and must
    carry the clicked button along: the old file goes, the new one arrives."""
    from apps.applications import services
    from tests.builders import checked, pdf_upload

    student = StudentProfileFactory(name="李华").user
    application, _ = services.start_application(program=ProgramFactory(), student=student)
    services.save_draft(
        application=application,
        user=student,
        changes={},
        new_files=[checked("transcript", pdf_upload("旧成绩单.pdf"))],
    )
    new_pdf, _png, _jpg = make_attachments(tmp_path)

    sign_in(page, live_server.url, student.username)
    page.goto(f"{live_server.url}/applications/{application.pk}/edit/")
    page.get_by_label("中英文成绩单（附件）").set_input_files(new_pdf)
    page.get_by_role("button", name="删除 旧成绩单.pdf").click()

    expect(page.get_by_text("文件已删除，其余内容已保存。")).to_be_visible()
    expect(page.get_by_role("link", name="旧成绩单.pdf")).to_have_count(0)
    expect(page.get_by_role("link", name="成绩单.pdf", exact=True)).to_be_visible()
