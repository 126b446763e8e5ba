"""The filtered list as XLSX and CSV, and the attachments of a selection as one ZIP."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application
from apps.attachments.models import AttachmentKind
from apps.offices import exports
from apps.programs.models import Region
from tests.builders import attach, passport, pdf_upload
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.offices.admin.conftest import WHO, approve

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:applications_application_changelist")


def export_url(fmt, query=""):
    return reverse("admin:applications_application_export", args=[fmt]) + query


def read_csv(response):
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def two_tracks(make_approved, make_submitted):
    owner = StudentProfileFactory(name="李华").user
    tokyo = ProgramFactory(title="东京大学本科生交换项目", partner="东京大学")
    approved = make_approved(
        program=tokyo, owner=owner, name="李华", name_en="Li Hua", **passport()
    )
    waiting = make_submitted(program=ProgramFactory(title="京都大学短期访学项目"))
    hongkong = make_approved(
        program=ProgramFactory(region=Region.HMT, title="香港大学学期交流项目"), name="陈港"
    )
    return approved, waiting, hongkong


def test_csv_keeps_the_filters_and_the_chinese_and_masks_the_passport(admin_client, two_tracks):
    approved, waiting, hongkong = two_tracks
    response = admin_client.get(export_url("csv", "?status=approved"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[:3] == ["学号", "姓名", "英文姓名"]
    assert {"项目编号", "项目", "合作院校", "审核状态", "录取结果", "护照号码"} <= set(header)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {approved.student.username, hongkong.student.username}
    row = by_id[approved.student.username]
    assert row["姓名"] == "李华"
    assert row["项目"] == "东京大学本科生交换项目"
    assert row["合作院校"] == "东京大学"
    assert (row["审核状态"], row["录取结果"]) == ("审核通过", "待定")
    assert row["外语成绩"] == "待补录"
    assert row["护照号码"] == "E12****78"
    assert row["项目编号"] == str(approved.program_id)


def test_xlsx_opens_with_the_same_rows_and_honours_the_search(admin_client, two_tracks):
    approved, waiting, hongkong = two_tracks
    response = admin_client.get(export_url("xlsx", "?q=京都"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = read_xlsx(response)
    assert header[0] == "学号"
    assert [row[0] for row in rows] == [waiting.student.username]
    assert rows[0][header.index("项目")] == "京都大学短期访学项目"
    assert rows[0][header.index("审核状态")] == "待审核"
    assert rows[0][header.index("提交时间")].year == waiting.submitted_at.year


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_clerk_exports_only_their_own_track(client, make_clerk, two_tracks, fmt):
    approved, waiting, hongkong = two_tracks
    client.force_login(make_clerk(Region.HMT))
    response = client.get(export_url(fmt))
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert [row[0] for row in rows[1:]] == [hongkong.student.username]


@pytest.mark.parametrize("who", WHO)
def test_export_permissions(login, two_tracks, who):
    response = login(who).get(export_url("csv"))
    if who in ("anonymous", "student"):
        assert response.status_code == 302
        return
    ids = {row[0] for row in read_csv(response)[1:]}
    approved, waiting, hongkong = two_tracks
    expected = {
        "other_clerk": {hongkong.student.username},
        "clerk": {approved.student.username, waiting.student.username},
        "superuser": {a.student.username for a in two_tracks},
    }[who]
    assert ids == expected


def test_an_exported_file_imports_back(admin_client, two_tracks):
    approved, waiting, hongkong = two_tracks
    workbook = openpyxl.load_workbook(
        io.BytesIO(admin_client.get(export_url("xlsx", "?region=international")).content)
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == approved.student.username:
            row[header.index("录取结果")].value = "录取"
    buffer = io.BytesIO()
    workbook.save(buffer)
    url = reverse("admin:applications_application_admission_import")
    preview = admin_client.post(url, {"file": SimpleUploadedFile("回填.xlsx", buffer.getvalue())})
    assert [r.application for r in preview.context["preview"].changes] == [approved]
    assert not preview.context["preview"].errors


def count_queries(client, fmt):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(export_url(fmt))
        if fmt == "csv":
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(admin_client, make_submitted, fmt):
    program = ProgramFactory()
    make_submitted(program=program, owner=StudentProfileFactory().user)
    count_queries(admin_client, fmt)  # the signed-in user, kept from then on
    with_one = count_queries(admin_client, fmt)
    for _ in range(30):
        make_submitted(program=program, owner=StudentProfileFactory().user)
    assert count_queries(admin_client, fmt) == with_one <= 8


def test_passport_numbers_are_masked():
    assert exports.mask_passport("E12345678") == "E12****78"
    assert exports.mask_passport("G1234") == "G****"
    assert exports.mask_passport("") == ""


# --- ZIP of attachments -----------------------------------------------------------------


def zip_action(client, *applications):
    return client.post(
        CHANGELIST,
        {"action": "download_attachments", "_selected_action": [a.pk for a in applications]},
    )


@pytest.mark.s3
def test_zip_names_entries_by_student_kind_and_number(admin_client, make_draft):
    application = make_draft(owner=StudentProfileFactory().user)
    attach(application, pdf_upload().read(), "英文成绩单.pdf", AttachmentKind.TRANSCRIPT)
    application = approve(
        services.submit_application(application=application, user=application.student)
    )
    username = application.student.username

    response = zip_action(admin_client, application)

    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names == [
        f"{username}/{username}-中英文在读证明（附件）-1.pdf",
        f"{username}/{username}-中英文成绩单（附件）-1.pdf",
        f"{username}/{username}-中英文成绩单（附件）-2.pdf",
    ]
    assert all(info.flag_bits & 0x800 for info in archive.infolist())  # UTF-8 names
    stored = application.attachments.get(original_name="英文成绩单.pdf")
    assert archive.read(names[2]) == stored.file.open("rb").read()


@pytest.mark.parametrize("who", WHO)
def test_zip_holds_only_what_the_user_may_see(login, make_approved, who):
    intl = make_approved(region=Region.INTERNATIONAL)
    hmt = make_approved(region=Region.HMT)

    response = zip_action(login(who), intl, hmt)

    if who in ("anonymous", "student"):
        assert response.status_code == 302
        return
    if who == "other_clerk":
        expected = {hmt.student.username}
    elif who == "clerk":
        expected = {intl.student.username}
    else:
        expected = {intl.student.username, hmt.student.username}
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {name.split("/")[0] for name in archive.namelist()} == expected


def test_zip_of_applications_without_visible_files_says_so(client, make_clerk, make_approved):
    client.force_login(make_clerk(Region.HMT))
    response = zip_action(client, make_approved(region=Region.INTERNATIONAL))
    assert response.status_code == 302
    assert "所选申请没有可下载的附件" in client.get(CHANGELIST).text


@pytest.mark.s3
def test_zip_lists_a_file_missing_from_storage(admin_client, make_approved):
    application = make_approved()
    lost = application.attachments.first()
    lost.file.storage.delete(lost.file.name)
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(zip_action(admin_client, application).streaming_content))
    )
    assert "缺失文件.txt" in archive.namelist()
    assert len(archive.namelist()) == 2


# --- A sheet a clerk can work from (issue 21) ----------------------------------------


@pytest.fixture
def answered(make_approved, superuser):
    """An approved IELTS 7.0 application with its admission result, and a TOEFL 102 one
    still waiting for the office."""
    ielts = make_approved(
        program=ProgramFactory(title="东京大学本科生交换项目"),
        owner=StudentProfileFactory().user,
        phone="13912345678",
        email="lihua@example.edu",
        school="外国语学院",
        major="日语",
        degree_level="master",
    )
    with_score(ielts, "ielts", "7.0")
    services.set_admission_result(application=ielts, result="admitted", actor=superuser)
    return ielts


def with_score(application, test, score):
    """The score as the 补录分数 leaves it (with its file), without the upload."""
    Application.objects.filter(pk=application.pk).update(
        language_test=test, language_score=Decimal(score)
    )
    return application


def minute(moment):
    """An XLSX time (the office's local time, no zone) or an aware one, to the minute."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%Y-%m-%d %H:%M}"


def test_xlsx_carries_contacts_the_test_a_numeric_score_and_the_history_dates(
    admin_client, answered, make_submitted
):
    waiting = with_score(
        make_submitted(
            program=ProgramFactory(title="京都大学短期访学项目"), owner=StudentProfileFactory().user
        ),
        "toefl",
        "102",
    )
    workbook = openpyxl.load_workbook(io.BytesIO(admin_client.get(export_url("xlsx")).content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}

    row = rows[answered.student.username]
    assert row["手机号码"].value == "13912345678"
    assert row["电子邮箱"].value == "lihua@example.edu"
    assert (row["学院"].value, row["专业"].value, row["学历层次"].value) == (
        "外国语学院",
        "日语",
        "硕士",
    )
    assert row["外语考试类型"].value == "雅思 IELTS"
    score = row["外语成绩"]
    assert score.data_type == "n" and score.value == 7 and score.number_format == "0.0"
    decided = answered.events.get(to_value="approved").created_at
    result = answered.events.get(kind="admission").created_at
    assert minute(row["提交时间"].value) == minute(answered.submitted_at)
    assert minute(row["审核时间"].value) == minute(decided)
    assert minute(row["录取结果时间"].value) == minute(result)
    assert row["审核时间"].is_date and row["审核时间"].number_format == "yyyy-mm-dd hh:mm"

    other = rows[waiting.student.username]
    assert other["外语考试类型"].value == "托福 TOEFL"
    assert other["外语成绩"].data_type == "n" and other["外语成绩"].value == 102
    assert other["审核时间"].value is None and other["录取结果时间"].value is None


def test_csv_carries_the_same_columns_with_ielts_in_half_bands(admin_client, answered):
    header, *rows = read_csv(admin_client.get(export_url("csv")))
    row = dict(zip(header, rows[0], strict=True))
    assert {"手机号码", "电子邮箱", "学院", "专业", "学历层次", "审核时间", "录取结果时间"} <= set(
        header
    )
    assert (row["外语考试类型"], row["外语成绩"]) == ("雅思 IELTS", "7.0")
    assert (row["手机号码"], row["电子邮箱"]) == ("13912345678", "lihua@example.edu")
    assert row["审核时间"] == minute(answered.events.get(to_value="approved").created_at)
    assert row["录取结果时间"].startswith(str(timezone.localdate().year))


def test_a_decision_taken_back_leaves_no_review_date(admin_client, answered, make_submitted):
    waiting = make_submitted(owner=StudentProfileFactory().user)
    approved = approve(make_submitted(owner=StudentProfileFactory().user))
    # A decision reverted (as 撤销审核 does): the history holds the old move, the row is 待审核.
    Application.objects.filter(pk=approved.pk).update(status="submitted")
    header, *rows = read_csv(admin_client.get(export_url("csv")))
    dates = {row[0]: dict(zip(header, row, strict=True))["审核时间"] for row in rows}
    assert dates[waiting.student.username] == dates[approved.student.username] == ""
    assert dates[answered.student.username]


def test_the_list_shows_the_score_with_its_test(admin_client, answered):
    page = admin_client.get(CHANGELIST)
    assert "雅思 IELTS 7.0" in page.text
