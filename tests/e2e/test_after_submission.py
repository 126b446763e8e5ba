"""After submission, in Chromium: 下载申请表, the 补录分数 dialog, 填写交流总结 in each track."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from apps.programs.models import Region
from tests.e2e.test_catalog_journey import open_nav, sign_in
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_details(page, title):
    open_nav(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="近期申请列表").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_student_downloads_the_form_then_supplements_the_score_once(
    page, live_server, snap, student, make_submitted
):
    make_submitted(program=ProgramFactory(title="东京大学交换项目"))
    sign_in(page, live_server.url, student.username)
    open_details(page, "东京大学交换项目")

    # Without a worker (the suite's default) the first download renders the form: on a
    # busy machine, with WeasyPrint's first import, that can take a while.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="下载申请表").click()
    assert download.value.suggested_filename == f"申请表-{student.username}-东京大学交换项目.pdf"
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "校际交流项目（国际）申请表" in text and "待补录" in text

    page.get_by_role("link", name="补录分数").click()
    dialog = page.get_by_role("dialog", name="补录外语分数")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("只能补录一次")).to_be_visible()
    snap("score-dialog")
    dialog.get_by_label("外语考试类型").select_option(label="雅思 IELTS")
    dialog.get_by_label("外语成绩").fill("7.5")
    dialog.get_by_role("button", name="确认").click()

    expect(page.get_by_text("外语成绩已补录：雅思 IELTS 7.5。")).to_be_visible()
    expect(page.get_by_role("link", name="补录分数")).to_have_count(0)
    expect(page.locator(".detail-main").get_by_text("7.5", exact=True)).to_be_visible()
    snap("score-supplemented")


@pytest.mark.parametrize(
    "region, return_label, file_label",
    [(Region.INTERNATIONAL, "回国时间", "回国总结附件"), (Region.HMT, "返境时间", "交流总结附件")],
    ids=["international", "hmt"],
)
def test_admitted_student_writes_and_submits_the_summary(
    page, live_server, snap, tmp_path, student, make_admitted, region, return_label, file_label
):
    today = timezone.localdate()
    program = ProgramFactory(
        region=region,
        title="交换项目",
        start_date=today - timedelta(days=150),
        end_date=today - timedelta(days=20),
    )
    make_admitted(program=program)
    summary_file = tmp_path / "交流总结.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    summary_file.write_bytes(buffer.getvalue())

    sign_in(page, live_server.url, student.username)
    open_details(page, "交换项目")
    page.get_by_role("link", name="填写交流总结").click()

    expect(page.get_by_role("heading", name="填写交流总结")).to_be_visible()
    page.get_by_label(return_label).fill((today - timedelta(days=10)).isoformat())
    page.get_by_label(file_label).set_input_files(summary_file)
    snap("summary-form")
    page.get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_text("交流总结已提交。")).to_be_visible()
    card = page.locator(".summary-card")
    expect(card.get_by_text(return_label)).to_be_visible()
    expect(card.get_by_role("link", name="交流总结.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="查看交流总结")).to_be_visible()
    snap("summary-submitted")
