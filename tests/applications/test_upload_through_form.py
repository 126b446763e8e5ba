"""Uploading through the application form (保存): what is refused, what is kept, what is said.

The validator itself is unit-tested in tests/attachments/test_upload_validation.py; here
the same bad files go through the real multipart parser, form, view, service and storage.
"""

from urllib.parse import quote, unquote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from apps.applications import services
from apps.applications.models import Application, Status
from apps.attachments.models import Attachment, AttachmentKind
from tests.builders import attach
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.samples import image_bytes, pdf_bytes, stored_files, zip_bytes

pytestmark = pytest.mark.django_db

PARTLY_SAVED = "其余内容已保存；下面标出的内容有误，未保存，请改正后再保存或提交。"

# The validator's message for a file of another type (apps/attachments/validators.py).
WRONG_TYPE = "只能上传 PDF、JPG 或 PNG 文件（按文件内容识别）。"


@pytest.fixture
def draft(student):
    application, created = services.start_application(program=ProgramFactory(), student=student)
    assert created
    return application


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def detail_url(application):
    return reverse("applications:detail", args=[application.pk])


def sample(data, name):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def save(client, application, *, follow=False, **fields):
    """POST the form with 保存; a list value sends several files under one field name."""
    return client.post(edit_url(application), {"action": "save", **fields}, follow=follow)


def refused(name, reason):
    return f"「{name}」未上传：{reason}"


def slot_html(response, kind):
    """The HTML of one attachment slot of the form page, from its label to its errors."""
    page = response.content.decode().split('class="upload-progress')[0]
    chunks = page.split('<div class="attachment-slot')[1:]
    [chunk] = [chunk for chunk in chunks if f'name="{kind}"' in chunk]
    return chunk


def assert_form_shown_with_error(response, kind, message):
    assert response.status_code == 200
    assertTemplateUsed(response, "applications/form.html")
    assert PARTLY_SAVED in response.text
    assert response.context["attachments_form"].errors[kind] == [message]
    html = slot_html(response, kind)
    assert html.startswith(" has-error"), "the slot is not marked as having an error"
    error = f'<div class="invalid-feedback d-block" id="id_{kind}_error"><div>{message}</div></div>'
    assert error in html


# --- Bad files (the whole corpus, in every upload field: tests/security/test_upload_corpus.py)


@pytest.mark.parametrize("kind", ["enrollment", "language"])
def test_the_message_goes_to_the_slot_the_file_was_sent_to(student_client, draft, kind):
    response = save(student_client, draft, **{kind: sample(zip_bytes(), "证明.pdf")})

    message = refused("证明.pdf", WRONG_TYPE)
    assert_form_shown_with_error(response, kind, message)
    for other in {"transcript", "enrollment", "language"} - {kind}:
        assert message not in slot_html(response, other)
        assert not response.context["attachments_form"].errors.get(other)


@pytest.mark.s3
def test_a_good_and_a_bad_file_in_one_slot_keep_the_good_one(student_client, draft, media):
    good = pdf_bytes()
    response = save(
        student_client,
        draft,
        transcript=[
            sample(good, "成绩单（中文版）.pdf"),
            sample(zip_bytes(), "成绩单（英文版）.pdf"),
        ],
    )

    message = refused("成绩单（英文版）.pdf", WRONG_TYPE)
    assert_form_shown_with_error(response, "transcript", message)
    [stored] = Attachment.objects.all()
    assert (stored.application_id, stored.kind) == (draft.pk, AttachmentKind.TRANSCRIPT)
    assert (stored.original_name, stored.content_type) == (
        "成绩单（中文版）.pdf",
        "application/pdf",
    )
    with stored.file.open("rb") as handle:
        assert handle.read() == good
    assert stored_files() == [stored.file.name]
    # The kept file is listed in its slot straight away, with its download link.
    html = slot_html(response, "transcript")
    assert "成绩单（中文版）.pdf" in html
    assert reverse("applications:attachment", args=[draft.pk, stored.pk]) in html


def test_typed_fields_are_saved_when_an_upload_is_refused(student_client, draft):
    response = save(
        student_client,
        draft,
        name_en="Zhang Xiaoming",
        phone="13800000000",
        transcript=sample(zip_bytes(), "成绩单.pdf"),
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.name_en, draft.phone) == ("Zhang Xiaoming", "13800000000")
    assert not Attachment.objects.exists()
    assert 'value="Zhang Xiaoming"' in response.text


# --- Names ---------------------------------------------------------------------------------


def test_a_file_name_with_markup_is_shown_as_text(student_client, draft):
    name = "<img src=x onerror=alert(1)>.pdf"
    response = save(
        student_client,
        draft,
        transcript=[sample(pdf_bytes(), name), sample(zip_bytes(), "x" + name)],
    )

    assert response.status_code == 200
    assert "<img src=x" not in response.text
    html = slot_html(response, "transcript")
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html  # the stored file
    assert "「x&lt;img src=x onerror=alert(1)&gt;.pdf」未上传" in html  # the refused one


BOUNDARY = "----portal-test-boundary"


def raw_multipart(fields, file_field, disposition_filename, data):
    """A multipart body written by hand, so that the filename parameter is exactly what a
    hostile client sends (the test client would apply os.path.basename to it first)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{file_field}"; {disposition_filename}\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def rfc5987(name):
    return f"filename*=UTF-8''{quote(name, safe='')}"


@pytest.mark.s3
@pytest.mark.parametrize(
    "disposition_filename",
    [
        pytest.param('filename="../../etc/passwd.pdf"', id="dot-dot-slash"),
        pytest.param('filename="/etc/成绩单.pdf"', id="absolute-path"),
        pytest.param('filename="..\\..\\Windows\\成绩单.pdf"', id="dot-dot-backslash"),
        pytest.param('filename="C:\\Users\\张三\\成绩单.pdf"', id="windows-path"),
        pytest.param(rfc5987("../../etc/passwd.pdf"), id="encoded-dot-dot-slash"),
        pytest.param(rfc5987("a\r\nX-Injected: 1.pdf"), id="encoded-crlf"),
        pytest.param(rfc5987("成绩单\r\n.pdf"), id="encoded-crlf-chinese"),
        pytest.param(rfc5987("a\x00b.pdf"), id="encoded-nul"),
        pytest.param('filename="invoice\u202egpj.pdf"', id="rtl-override"),
        pytest.param(rfc5987("invoice\u202egpj.pdf"), id="encoded-rtl-override"),
        pytest.param(rfc5987("成绩\u2028单.pdf"), id="encoded-line-separator"),
        pytest.param('filename="a&#13;&#10;b&#x202e;.pdf"', id="html-entities"),
    ],
)
def test_hostile_file_names_are_neutralised_from_upload_to_download(
    student_client, draft, media, disposition_filename
):
    data = pdf_bytes()
    body = raw_multipart({"action": "save"}, "transcript", disposition_filename, data)

    response = student_client.post(
        edit_url(draft), body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    [stored] = Attachment.objects.all()
    for char in ("/", "\\", "\r", "\n", "\x00", "\u202e", "\u2028"):
        assert char not in stored.original_name
    assert stored.original_name.endswith(".pdf")
    # On disk only a generated name, inside the application's folder.
    assert stored_files() == [stored.file.name]
    assert stored.file.name.startswith(f"attachments/{draft.pk}/")
    assert "pdf" not in stored.file.name and ".." not in stored.file.name

    download = student_client.get(reverse("applications:attachment", args=[draft.pk, stored.pk]))
    assert b"".join(download.streaming_content) == data
    disposition = download["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")
    assert stored.original_name in (
        unquote(disposition.partition("filename*=utf-8''")[2]),
        disposition.partition('filename="')[2].removesuffix('"'),
    )


# --- How many files ------------------------------------------------------------------------


def too_many(name):
    return f"「{name}」未上传：每项最多 2 个文件，请先删除不需要的文件。"


@pytest.mark.parametrize("already", [0, 1])
def test_files_beyond_a_slots_limit_are_refused_by_name_and_the_rest_stored(
    student_client, draft, media, settings, already
):
    settings.ATTACHMENT_MAX_FILES_PER_SLOT = 2
    kept = [attach(draft, pdf_bytes(), f"旧文件{n}.pdf") for n in range(already)]
    sent = [f"成绩单{n}.pdf" for n in range(3 - already)]

    response = save(
        student_client,
        draft,
        name_en="Zhang Xiaoming",
        transcript=[sample(pdf_bytes(), name) for name in sent],
    )

    assert response.status_code == 200, "the form is shown again with the message at the slot"
    assert too_many(sent[-1]) in slot_html(response, "transcript")
    names = sorted(draft.attachments.values_list("original_name", flat=True))
    assert names == sorted([k.original_name for k in kept] + sent[:-1])
    assert len(stored_files()) == 2
    draft.refresh_from_db()
    assert draft.name_en == "Zhang Xiaoming", "what was typed is saved all the same"


def test_exactly_as_many_files_as_a_slot_takes_are_stored(student_client, draft, media, settings):
    settings.ATTACHMENT_MAX_FILES_PER_SLOT = 2
    response = save(
        student_client,
        draft,
        transcript=[
            sample(pdf_bytes(), "成绩单（中文版）.pdf"),
            sample(image_bytes(), "英文版.png"),
        ],
    )

    assert response.status_code == 302
    assert response.url == edit_url(draft)
    names = sorted(draft.attachments.values_list("original_name", flat=True))
    assert names == ["成绩单（中文版）.pdf", "英文版.png"]
    assert len(stored_files()) == 2


def test_removing_a_file_makes_room_in_the_same_request(student_client, draft, settings):
    settings.ATTACHMENT_MAX_FILES_PER_SLOT = 1
    old = attach(draft, pdf_bytes(), "旧版.pdf")
    response = save(
        student_client, draft, remove=str(old.pk), transcript=sample(pdf_bytes(), "新版.pdf")
    )
    assert response.status_code == 302
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["新版.pdf"]


# --- Removing ------------------------------------------------------------------------------


def file_deletions(callbacks):
    """The on-commit callbacks that delete a stored file (caches forget rows on commit too)."""
    return [c for c in callbacks if "delete_file" in c.__qualname__]


@pytest.mark.s3
def test_removing_a_file_deletes_the_row_and_after_commit_the_file(
    student_client, draft, django_capture_on_commit_callbacks
):
    attachment = attach(draft, pdf_bytes(), "成绩单.pdf")
    name = attachment.file.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = save(student_client, draft, remove=str(attachment.pk))
        assert not Attachment.objects.filter(pk=attachment.pk).exists()
        assert default_storage.exists(name), "deleted before the transaction committed"

    assert response.status_code == 302
    assert response.url == edit_url(draft)
    assert len(file_deletions(callbacks)) == 1
    assert not default_storage.exists(name)


def test_removing_another_students_file_does_nothing(
    student_client, draft, django_capture_on_commit_callbacks
):
    other, _ = services.start_application(
        program=ProgramFactory(), student=StudentProfileFactory().user
    )
    theirs = attach(other, pdf_bytes(), "成绩单.pdf")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save(student_client, draft, remove=str(theirs.pk))

    assert file_deletions(callbacks) == []
    assert Attachment.objects.filter(pk=theirs.pk).exists()
    assert default_storage.exists(theirs.file.name)


@pytest.mark.parametrize("value", ["²", "9" * 30], ids=["superscript-two", "huge-number"])
def test_a_malformed_remove_value_is_ignored_and_the_rest_saved(student_client, draft, value):
    student_client.raise_request_exception = False
    kept = attach(draft, pdf_bytes(), "成绩单.pdf")

    response = save(student_client, draft, name_en="Zhang Xiaoming", remove=value)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name_en == "Zhang Xiaoming"
    assert Attachment.objects.filter(pk=kept.pk).exists()


# --- Once submitted ------------------------------------------------------------------------


@pytest.mark.s3
def test_uploads_to_a_submitted_application_are_refused(student_client, draft, media):
    Application.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, has_passport=False)

    response = save(student_client, draft, transcript=sample(pdf_bytes(), "成绩单.pdf"))

    assert response.status_code == 302
    assert response.url == detail_url(draft)
    page = student_client.get(response.url)
    assert "该申请为「待审核」，不能再修改。" in page.text
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_another_student_cannot_upload_to_the_draft(client, draft, media):
    client.force_login(StudentProfileFactory().user)

    response = save(client, draft, transcript=sample(pdf_bytes(), "成绩单.pdf"))

    assert response.status_code == 404
    assert not Attachment.objects.exists()
    assert stored_files() == []
