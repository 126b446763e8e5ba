"""Result files: reading CSV/XLSX, the row-by-row preview, and writing all or nothing."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.applications import services
from apps.applications.models import AdmissionResult, Application, EventKind, Status
from apps.applications.results import (
    CHANGE,
    ERROR,
    SKIPPED,
    UNCHANGED,
    ResultRow,
    build_preview,
)
from apps.offices.result_files import ImportFileError, parse_upload
from apps.programs.models import Region
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

HEADER = ["学号", "项目编号", "项目", "录取结果"]


def csv_upload(lines, encoding="utf-8", bom=False, name="结果.csv"):
    text = "\r\n".join(",".join(line) for line in lines) + "\r\n"
    data = text.encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data)


def xlsx_upload(lines, name="结果.xlsx"):
    workbook = openpyxl.Workbook()
    for line in lines:
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def rows_for(*applications, result="录取"):
    return [[a.student.username, str(a.program_id), a.program.title, result] for a in applications]


@pytest.mark.parametrize(
    "upload",
    [
        lambda lines: csv_upload(lines, bom=True),
        lambda lines: csv_upload(lines),
        lambda lines: csv_upload(lines, encoding="gbk"),
        lambda lines: xlsx_upload(lines),
    ],
    ids=["csv-utf8-bom", "csv-utf8", "csv-gbk", "xlsx"],
)
def test_reads_csv_in_every_encoding_and_xlsx_with_chinese_intact(upload):
    lines = [HEADER, ["2023000000001", "", "东京大学本科生交换项目", "未录取"]]
    [row] = parse_upload(upload(lines))
    assert row == ResultRow(2, "2023000000001", "", "东京大学本科生交换项目", "未录取")


def test_reads_english_headers_extra_columns_and_excel_numbers():
    upload = xlsx_upload(
        [
            ["Name", "Student ID", "Program ID", "Admission result"],
            ["Li", 2023000000001, 7, "Not admitted"],
        ]
    )
    [row] = parse_upload(upload)
    assert (row.student_id, row.program_id, row.result) == ("2023000000001", "7", "Not admitted")


def test_type_is_decided_by_content_not_by_name():
    upload = csv_upload([HEADER, ["2023000000001", "3", "", "录取"]], name="results.xlsx")
    assert parse_upload(upload)[0].program_id == "3"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.csv", b""), "文件是空的"),
        (SimpleUploadedFile("a.csv", b"\r\n,,\r\n"), "文件是空的"),
        (csv_upload([HEADER]), "只有表头"),
        (csv_upload([["姓名", "项目", "录取结果"], ["a", "b", "录取"]]), "缺少列：学号"),
        (csv_upload([["学号", "录取结果"], ["1", "录取"]]), "项目编号 或 项目"),
        (SimpleUploadedFile("a.pdf", b"%PDF-1.7\x00\x01\x02binary"), "只能上传 CSV 或 Excel"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64), ".xls"),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04 not really a workbook"), "无法读取该 Excel"),
        (SimpleUploadedFile("a.csv", '学号,录取结果,项目\r\n1,"录取'.encode()), "CSV 文件格式有误"),
        (SimpleUploadedFile("a.csv", b"\xff\xfe\xfd\x81\x30 \xff"), "无法识别文件编码"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "no-student-id",
        "no-program",
        "pdf",
        "old-xls",
        "broken-xlsx",
        "unclosed-quote",
        "encoding",
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(upload, message):
    upload.seek(0)  # the same object again when the test runs twice in one process
    with pytest.raises(ImportFileError, match=message):
        parse_upload(upload)


def test_too_large_and_too_long_files_are_refused(settings):
    settings.ADMISSION_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="文件太大"):
        parse_upload(csv_upload([HEADER] + [["2023000000001", "1", "", "录取"]] * 10))
    settings.ADMISSION_IMPORT_MAX_BYTES = 10_000
    settings.ADMISSION_IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportFileError, match="超过 3 行"):
        parse_upload(csv_upload([HEADER] + [["2023000000001", "1", "", "录取"]] * 4))


def test_preview_sorts_rows_into_change_unchanged_skipped(make_approved, superuser):
    first, second, third = make_approved(), make_approved(), make_approved()
    services.set_admission_result(
        application=second, result=AdmissionResult.ADMITTED, actor=superuser
    )
    rows = [
        ResultRow(2, first.student.username, str(first.program_id), "", "录取"),
        ResultRow(3, second.student.username, "", second.program.title, "admitted"),
        ResultRow(4, third.student.username, str(third.program_id), "", "待定"),
    ]

    preview = build_preview(rows, actor=superuser)

    assert [r.outcome for r in preview.rows] == [CHANGE, UNCHANGED, SKIPPED]
    change = preview.rows[0]
    assert (change.old_label, change.new_label) == ("待定", "录取")
    assert change.application == first


def test_preview_names_every_kind_of_error(make_approved, make_submitted, superuser, hmt_clerk):
    hmt = make_approved(region=Region.HMT)
    hmt_other = make_approved(region=Region.HMT)
    intl = make_approved(region=Region.INTERNATIONAL)
    pending = make_submitted(program=ProgramFactory(region=Region.HMT))
    twin_owner = StudentProfileFactory().user
    make_approved(program=ProgramFactory(region=Region.HMT, title="同名项目"), owner=twin_owner)
    make_approved(program=ProgramFactory(region=Region.HMT, title="同名项目"), owner=twin_owner)
    rows = [
        ResultRow(2, "2099000000000", "1", "", "录取"),
        ResultRow(3, hmt.student.username, str(intl.program_id), "", "录取"),
        ResultRow(4, pending.student.username, str(pending.program_id), "", "录取"),
        ResultRow(5, intl.student.username, str(intl.program_id), "", "录取"),
        ResultRow(6, hmt.student.username, str(hmt.program_id), "", "也许"),
        ResultRow(7, hmt.student.username, str(hmt.program_id), "", "录取"),
        ResultRow(8, hmt.student.username, "", hmt.program.title, "未录取"),
        ResultRow(9, twin_owner.username, "", "同名项目", "录取"),
        ResultRow(10, hmt_other.student.username, str(hmt_other.program_id), "别的项目", "录取"),
        ResultRow(11, "", "1", "", "录取"),
        ResultRow(12, hmt.student.username, "x1", "", "录取"),
    ]

    preview = build_preview(rows, actor=hmt_clerk)

    reasons = {r.row.line: (r.outcome, r.reason) for r in preview.rows}
    assert reasons[2] == (ERROR, "系统中没有学号为 2099000000000 的学生。")
    assert reasons[3] == (ERROR, "该学生没有报名此项目。")
    assert reasons[4][1] == "该申请为「待审核」，只有审核通过的申请才能录入录取结果。"
    assert reasons[5][1] == "该申请属于「国际」项目，不在你负责的范围内。"
    assert "录取结果「也许」无法识别" in reasons[6][1]
    assert reasons[7][0] == CHANGE
    assert reasons[8][1] == "与第 7 行重复（同一学生、同一项目）。"
    assert "请填写项目编号" in reasons[9][1]
    assert "与所填的「别的项目」不一致" in reasons[10][1]
    assert reasons[11][1] == "学号为空。"
    assert "应为数字" in reasons[12][1]
    assert len(preview.errors) == 10


def test_preview_runs_a_fixed_number_of_queries(
    make_approved, superuser, django_assert_num_queries
):
    applications = [make_approved() for _ in range(5)]
    rows = [
        ResultRow(n, a.student.username, str(a.program_id), "", "录取")
        for n, a in enumerate(applications, 2)
    ]
    with django_assert_num_queries(2):
        build_preview(rows, actor=superuser)


def test_import_writes_every_row_and_records_each_change(make_approved, superuser):
    first, second = make_approved(), make_approved()
    rows = [
        ResultRow(2, first.student.username, str(first.program_id), "", "录取"),
        ResultRow(3, second.student.username, str(second.program_id), "", "未录取"),
    ]

    preview = services.import_admission_results(rows=rows, actor=superuser)

    assert len(preview.changes) == 2
    results = dict(Application.objects.values_list("pk", "admission_result"))
    assert results == {first.pk: "admitted", second.pk: "not_admitted"}
    events = first.events.filter(kind=EventKind.ADMISSION)
    assert [(e.from_value, e.to_value, e.actor) for e in events] == [
        ("pending", "admitted", superuser)
    ]


def test_one_bad_row_and_nothing_is_written(make_approved, superuser):
    good = make_approved()
    rows = [
        ResultRow(2, good.student.username, str(good.program_id), "", "录取"),
        ResultRow(3, "2099000000000", "1", "", "录取"),
    ]

    with pytest.raises(services.ImportRefused) as refused:
        services.import_admission_results(rows=rows, actor=superuser)

    assert refused.value.message == "有 1 行有误，未写入任何录取结果。请修改文件后重新上传。"
    assert [r.row.line for r in refused.value.preview.errors] == [3]
    good.refresh_from_db()
    assert good.admission_result == AdmissionResult.PENDING
    assert not good.events.filter(kind=EventKind.ADMISSION).exists()


def test_rows_are_checked_again_at_import_time(make_approved, superuser):
    """Between preview and confirm the office changed its decision: nothing is written."""
    first, second = make_approved(), make_approved()
    rows = [
        ResultRow(2, first.student.username, str(first.program_id), "", "录取"),
        ResultRow(3, second.student.username, str(second.program_id), "", "录取"),
    ]
    assert not build_preview(rows, actor=superuser).errors
    Application.objects.filter(pk=second.pk).update(status=Status.REJECTED)

    with pytest.raises(services.ImportRefused):
        services.import_admission_results(rows=rows, actor=superuser)

    first.refresh_from_db()
    assert first.admission_result == AdmissionResult.PENDING
