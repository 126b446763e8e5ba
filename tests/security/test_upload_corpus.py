"""The corpus of bad files (tests/samples.py) against every upload field of the portal.

The application form's three slots, the score proof (补录分数), the summary attachment
(填写交流总结) and the admission-result import in admin: each refuses every bad file with
a message at its field, and writes nothing (no row, no file on disk).
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.applications.models import Application, ApplicationEvent
from apps.attachments.models import Attachment
from apps.attachments.validators import DOCUMENTS, SUMMARY_FILES, check_upload
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary
from tests.samples import BAD_IMPORT_FILES, BAD_UPLOADS, csv_bytes, stored_files, upload

from .fuzz import CHINESE, rows

pytestmark = pytest.mark.django_db

WRITES = (Application, ApplicationEvent, Attachment, ScoreSupplement, ReturnSummary)
IMPORT = "/admin/applications/application/admission-results/import/"


def sample(data, name):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def refusal(data, name, accept):
    """What the upload check says about the file: the message every page must show."""
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(data, name), accept=accept)
    return caught.value


# Each field: the application it needs, how to post a file to it, and where its errors are.
def post_to_slot(slot):
    def send(client, application, file):
        url = reverse("applications:edit", args=[application.pk])
        response = client.post(url, {"action": "save", slot: file})
        return response, response.context["attachments_form"].errors.get(slot)

    return "draft", DOCUMENTS, True, send


def post_score_proof(client, application, file):
    url = reverse("scores:supplement", args=[application.pk])
    response = client.post(url, {"language_test": "ielts", "language_score": "7", "proof": file})
    return response, response.context["form"].errors.get("proof")


def post_summary_file(client, application, file):
    url = reverse("summaries:edit", args=[application.pk])
    response = client.post(url, {"action": "save", "summary": file})
    return response, response.context["files_form"].errors.get("summary")


FIELDS = {
    "transcript": post_to_slot("transcript"),
    "enrollment": post_to_slot("enrollment"),
    "language": post_to_slot("language"),
    "score_proof": ("submitted", DOCUMENTS, False, post_score_proof),
    "summary": ("admitted", SUMMARY_FILES, True, post_summary_file),
}


@pytest.fixture
def with_summary(admitted):
    """The summary row exists already, so that a refused file changes no row at all."""
    ReturnSummary.objects.create(application=admitted)
    return admitted


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("bad", BAD_UPLOADS, ids=lambda bad: bad.id)
def test_every_upload_field_refuses_every_bad_file_and_writes_nothing(
    request, student_client, media, settings, field, bad
):
    fixture, accept, named, send = FIELDS[field]
    application = request.getfixturevalue("with_summary" if fixture == "admitted" else fixture)
    if bad.cap:
        settings.ATTACHMENT_MAX_BYTES = bad.cap
    data = bad.data()
    expected = refusal(data, bad.name, accept)
    assert expected.code == bad.code_for(accept), "the corpus says why this file is bad"
    before, files = rows(*WRITES), stored_files()

    response, errors = send(student_client, application, sample(data, bad.name))

    assert response.status_code == 200
    [reason] = expected.messages
    assert errors == [f"「{bad.name}」未上传：{reason}" if named else reason]
    assert reason in response.text
    assert rows(*WRITES) == before
    assert stored_files() == files


# --- The admission-result import in admin --------------------------------------------


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def import_refusal(client, data, name):
    before = rows(*WRITES)
    response = client.post(IMPORT, {"file": sample(data, name)})
    assert response.status_code == 200
    assert "preview" not in response.context, "a bad file never reaches the preview"
    assert rows(*WRITES) == before
    [message] = response.context["form"].errors["file"]
    assert message in response.text and CHINESE.search(message)
    return message


@pytest.mark.parametrize("bad", BAD_UPLOADS, ids=lambda bad: bad.id)
def test_the_import_refuses_every_bad_upload_too(clerk_client, approved, settings, bad):
    if bad.cap:
        settings.ADMISSION_IMPORT_MAX_BYTES = bad.cap
    import_refusal(clerk_client, bad.data(), bad.name.rpartition(".")[0] + ".xlsx")


@pytest.mark.parametrize("bad", BAD_IMPORT_FILES, ids=lambda bad: bad.id)
def test_the_import_refuses_bad_result_files_with_what_is_wrong(clerk_client, approved, bad):
    assert bad.message in import_refusal(clerk_client, bad.build(), "录取结果.xlsx")


def test_a_formula_in_a_result_file_is_an_error_row_and_nothing_is_written(clerk_client, approved):
    formula = "=cmd|' /C calc'!A0"
    data = csv_bytes(
        [
            ["学号", "项目编号", "录取结果"],
            [formula, str(approved.program_id), "录取"],
            [approved.student.username, str(approved.program_id), '=HYPERLINK("x")'],
        ]
    )
    before = rows(*WRITES)

    preview = clerk_client.post(IMPORT, {"file": sample(data, "录取结果.csv")})

    errors = preview.context["preview"].errors
    assert [(row.row.line, row.reason) for row in errors] == [
        (2, f"系统中没有学号为 {formula} 的学生。"),
        (3, '录取结果「=HYPERLINK("x")」无法识别，请填写「录取」或「未录取」。'),
    ]
    assert "=cmd|&#x27; /C calc&#x27;!A0" in preview.text, "shown as text, escaped"
    token = preview.context["token"]
    confirm = clerk_client.post(IMPORT.replace("import", "confirm"), {"token": token})
    assert "有 2 行有误，未写入任何录取结果。" in confirm.text
    assert rows(*WRITES) == before


@pytest.mark.parametrize("program_id", ["²", "٣", "１", "9" * 30])
def test_a_program_id_that_is_no_plain_number_is_an_error_row(clerk_client, approved, program_id):
    data = csv_bytes(
        [["学号", "项目编号", "录取结果"], [approved.student.username, program_id, "录取"]]
    )

    preview = clerk_client.post(IMPORT, {"file": sample(data, "录取结果.csv")})

    [row] = preview.context["preview"].rows
    assert row.outcome == "error"
    assert row.reason == f"项目编号「{program_id}」应为数字。"
