"""A result file with some error rows: all or nothing stays the default; 只导入有效行 is
an explicit choice after the preview; the error rows come back as a file of the same kind,
with their reasons, that imports again once fixed."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from apps.applications import services
from apps.applications.models import AdmissionResult, Application
from apps.applications.results import ResultRow
from tests.factories import StudentProfileFactory
from tests.offices.admin.test_admission_import import HEADER, csv_upload, rows_for, xlsx_upload

pytestmark = pytest.mark.django_db

IMPORT = "admin:applications_application_admission_import"
CONFIRM = "admin:applications_application_admission_confirm"
ERRORS = "admin:applications_application_admission_errors"


@pytest.fixture
def two_good_one_bad(make_approved, make_submitted):
    good = [make_approved(), make_approved(owner=StudentProfileFactory().user)]
    bad = make_submitted(owner=StudentProfileFactory().user)  # not approved: an error row
    return good, bad


def result(application):
    return Application.objects.get(pk=application.pk).admission_result


def test_the_service_writes_the_valid_rows_only_when_asked(two_good_one_bad, superuser):
    (first, second), bad = two_good_one_bad
    rows = [
        ResultRow(2, first.student.username, str(first.program_id), "", "录取"),
        ResultRow(3, bad.student.username, str(bad.program_id), "", "录取"),
        ResultRow(4, second.student.username, str(second.program_id), "", "未录取"),
    ]
    with pytest.raises(services.ImportRefused):
        services.import_admission_results(rows=rows, actor=superuser)
    assert result(first) == AdmissionResult.PENDING, "all or nothing by default"

    preview = services.import_admission_results(rows=rows, actor=superuser, valid_only=True)

    assert [r.row.line for r in preview.errors] == [3]
    assert result(first) == AdmissionResult.ADMITTED
    assert result(second) == AdmissionResult.NOT_ADMITTED
    assert result(bad) == AdmissionResult.PENDING


def preview_page(client, upload):
    return client.post(reverse(IMPORT), {"file": upload})


def test_the_preview_offers_only_valid_rows_and_keeps_all_or_nothing_as_default(
    admin_client, two_good_one_bad
):
    (first, second), bad = two_good_one_bad
    page = preview_page(admin_client, csv_upload([HEADER, *rows_for(first, bad, second)]))
    assert page.status_code == 200
    assert "只导入有效行（2 条）" in page.text
    assert "确认导入（" not in page.text, "no all-or-nothing button while rows are wrong"
    token = page.context["token"]

    # A confirm without the choice is all or nothing: refused, nothing written.
    refused = admin_client.post(reverse(CONFIRM), {"token": token, "fmt": "csv"})
    assert refused.status_code == 200
    assert result(first) == AdmissionResult.PENDING

    done = admin_client.post(reverse(CONFIRM), {"token": token, "fmt": "csv", "mode": "valid"})
    assert done.status_code == 200
    assert "已导入 2 条有效行" in done.text
    assert result(first) == result(second) == AdmissionResult.ADMITTED
    assert result(bad) == AdmissionResult.PENDING
    assert reverse(ERRORS) in done.text, "the error rows can still be downloaded"


def test_the_error_rows_download_as_csv_with_reasons_and_import_back(
    admin_client, two_good_one_bad
):
    (first, _second), bad = two_good_one_bad
    lines = [HEADER, *rows_for(first, bad)]
    page = preview_page(admin_client, csv_upload(lines))
    response = admin_client.post(reverse(ERRORS), {"token": page.context["token"], "fmt": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [*HEADER, "错误原因", "原行号"]
    assert len(rows) == 1
    assert rows[0][:4] == rows_for(bad)[0]
    assert "只有审核通过的申请才能录入录取结果" in rows[0][4] and rows[0][5] == "3"

    # Fixed (the application is approved now), the same file imports.
    services.approve_application(application=bad, actor=page.wsgi_request.user)
    again = preview_page(admin_client, csv_upload([header, *rows]))
    assert "确认导入（1 条）" in again.text


def test_the_error_rows_download_as_xlsx_when_the_upload_was_xlsx(admin_client, two_good_one_bad):
    (first, _second), bad = two_good_one_bad
    page = preview_page(admin_client, xlsx_upload([HEADER, *rows_for(first, bad)]))
    assert page.context["fmt"] == "xlsx"
    response = admin_client.post(reverse(ERRORS), {"token": page.context["token"], "fmt": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == [*HEADER, "错误原因", "原行号"]
    assert values[1][0] == bad.student.username and values[1][5] == 3


def test_the_error_rows_file_keeps_formulas_inert(admin_client, make_approved):
    make_approved()
    lines = [HEADER, ['=HYPERLINK("http://x")', "", "+cmd", "@SUM(A1)"]]
    page = preview_page(admin_client, csv_upload(lines))
    for fmt in ("csv", "xlsx"):
        response = admin_client.post(reverse(ERRORS), {"token": page.context["token"], "fmt": fmt})
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        cells = [str(value) for value in rows[1][:5] if value]
        assert cells, fmt
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), (fmt, cells)


def test_a_forged_token_downloads_nothing(admin_client):
    response = admin_client.post(reverse(ERRORS), {"token": "forged", "fmt": "csv"})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)


def test_the_error_rows_are_only_the_users_own(client, intl_clerk, admin_client, two_good_one_bad):
    """The token is signed for its user: another user's token is refused."""
    (first, _second), bad = two_good_one_bad
    page = preview_page(admin_client, csv_upload([HEADER, *rows_for(first, bad)]))
    client.force_login(intl_clerk)
    response = client.post(reverse(ERRORS), {"token": page.context["token"], "fmt": "csv"})
    assert response.status_code == 302
