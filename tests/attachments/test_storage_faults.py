"""A full disk or an unwritable media folder on upload: a clear message, no orphan rows or
files, and nothing else of the request lost (the form, the score proof, the summary).

Tests run as root, for whom chmod changes nothing, so the media folder is broken for real:
- "full": a 64 KB tmpfs mounted for the test and filled up, so writes fail with ENOSPC
  mid-file (the case that leaves a partly written file behind);
- "read-only": a tmpfs mounted read-only (EROFS);
- "not a directory": MEDIA_ROOT below a regular file (ENOTDIR), which needs no mount and
  so also runs where mounting is not allowed.
"""

import errno
import os
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Status
from apps.applications.services import ApplicationError
from apps.attachments.models import Attachment, AttachmentKind
from apps.scores.models import ScoreSupplement
from apps.scores.services import supplement_score
from apps.summaries.models import ReturnSummary
from tests.builders import checked, form_data, pdf_upload
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

FILLER = "filler"
SCORE_PROOF_NOT_STORED = (
    "「成绩截图.pdf」未能保存：服务器存储暂时不可用，请稍后重新上传。外语成绩尚未补录。"
)


def mount_tmpfs(options):
    point = Path(tempfile.mkdtemp(prefix="faults-media-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); ENOTDIR still runs")
    return point


def fill(point):
    with open(point / FILLER, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC


@pytest.fixture(params=["full", "read-only", "not a directory"])
def break_media(request, settings, tmp_path):
    """A function that points the file storage at a folder that cannot take a file (once
    the test's draft and files exist) and returns that folder; unmounted afterwards."""
    mounted = []

    def break_it():
        if request.param == "not a directory":
            (tmp_path / "a-file").write_bytes(b"")
            location = tmp_path / "a-file" / "media"
        else:
            options = "size=64k" if request.param == "full" else "size=64k,ro"
            location = mount_tmpfs(options)
            mounted.append(location)
            if request.param == "full":
                fill(location)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": location}},
        }
        return location

    yield break_it
    for point in mounted:
        subprocess.run(["umount", str(point)], check=True)
        point.rmdir()


def files_in(location):
    if not location.is_dir():
        return []
    return [
        path
        for path in location.rglob("*")
        if path.is_file() and path.name != FILLER and path.parent != location
    ]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_form_keeps_everything_else_and_says_the_file_was_not_stored(
    student_client, make_draft, break_media
):
    application = make_draft()
    broken_media = break_media()
    before = set(application.attachments.values_list("pk", flat=True))
    upload = pdf_upload("外语证明.pdf")

    response = student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "major": "数据科学", "action": "save", "language": upload},
    )

    assert response.status_code == 200, "the form again, not an error page"
    [message] = messages_of(response)
    assert "「外语证明.pdf」未能保存" in message and "其余内容已保存" in message
    assert "外语证明.pdf" in response.text and "数据科学" in response.text
    application.refresh_from_db()
    assert (application.status, application.major) == (Status.DRAFT, "数据科学")
    assert set(application.attachments.values_list("pk", flat=True)) == before, "no orphan row"
    assert files_in(broken_media) == [], "no orphan file"


def test_a_submit_with_a_file_that_cannot_be_stored_is_not_submitted(
    student_client, make_draft, break_media
):
    application = make_draft()
    broken_media = break_media()

    response = student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "action": "submit", "language": pdf_upload("外语证明.pdf")},
    )

    assert response.status_code == 200
    assert any("未能保存" in m for m in messages_of(response))
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert not application.events.filter(to_value=Status.SUBMITTED).exists()
    assert files_in(broken_media) == []


def test_a_removal_in_the_same_save_is_undone_with_the_upload(
    student_client, make_draft, break_media
):
    """The files' change is one: a removal is not half-done while its replacement failed."""
    application = make_draft()
    break_media()
    transcript = application.attachments.get(kind=AttachmentKind.TRANSCRIPT)

    student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {
            **form_data(application),
            "action": "save",
            "remove": transcript.pk,
            "transcript": pdf_upload("新成绩单.pdf"),
        },
    )

    assert Attachment.objects.filter(pk=transcript.pk).exists()
    assert application.attachments.count() == 2


def test_the_message_is_in_english_for_an_english_page(student_client, make_draft, break_media):
    application = make_draft()
    break_media()
    student_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "action": "save", "language": pdf_upload("proof.pdf")},
    )

    [message] = messages_of(response)
    assert "could not be saved" in message and "proof.pdf" in message, message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in message.replace("proof.pdf", ""))


def test_a_score_proof_that_cannot_be_stored_keeps_the_one_time_score_unused(
    student_client, make_submitted, break_media, settings, tmp_path
):
    application = make_submitted()
    broken_media = break_media()
    url = reverse("scores:supplement", args=[application.pk])
    typed = {"language_test": "ielts", "language_score": "7"}

    response = student_client.post(url, {**typed, "proof": pdf_upload("成绩截图.pdf")})

    assert response.status_code == 200
    errors = response.context["form"].errors["proof"]
    assert errors == [SCORE_PROOF_NOT_STORED]
    assert 'value="7"' in response.text, "what was typed is still in the form"
    application.refresh_from_db()
    assert application.language_score is None
    assert not ScoreSupplement.objects.filter(application=application).exists()
    assert not application.attachments.filter(kind=AttachmentKind.SCORE_PROOF).exists()
    assert files_in(broken_media) == []

    # Once the disk is back, the one supplement the student has is still there to use.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "ok"}},
    }
    again = student_client.post(url, {**typed, "proof": pdf_upload("成绩截图.pdf")})
    assert again.status_code == 302
    application.refresh_from_db()
    assert application.language_score == 7
    assert application.attachments.filter(kind=AttachmentKind.SCORE_PROOF).count() == 1


def test_the_score_service_refuses_a_proof_it_could_not_store_with_one_message(
    make_submitted, break_media
):
    application = make_submitted()
    break_media()
    _kind, uploaded, check = checked(AttachmentKind.SCORE_PROOF, pdf_upload("成绩截图.pdf"))

    with pytest.raises(ApplicationError) as raised:
        supplement_score(
            application=application,
            user=application.student,
            language_test="ielts",
            score=Decimal(7),
            proof=(uploaded, check),
        )

    message = SCORE_PROOF_NOT_STORED
    assert (raised.value.message, raised.value.problems) == (message, {"proof": message})
    assert not ScoreSupplement.objects.filter(application=application).exists()


def test_a_summary_attachment_that_cannot_be_stored_keeps_the_date(
    student_client, make_admitted, break_media
):
    today = timezone.localdate()
    program = ProgramFactory(
        start_date=today - timedelta(days=150), end_date=today - timedelta(days=20)
    )
    application = make_admitted(program=program)
    broken_media = break_media()
    back = today - timedelta(days=10)

    response = student_client.post(
        reverse("summaries:edit", args=[application.pk]),
        {"return_date": back.isoformat(), "action": "submit", "summary": pdf_upload("总结.pdf")},
    )

    assert response.status_code == 200
    [message] = messages_of(response)
    assert message == "「总结.pdf」未能保存：服务器存储暂时不可用，请稍后重新上传。其余内容已保存。"
    summary = ReturnSummary.objects.get(application=application)
    assert summary.return_date == back and not summary.is_submitted
    assert not application.attachments.filter(kind=AttachmentKind.SUMMARY).exists()
    assert files_in(broken_media) == []


def test_a_full_disk_leaves_a_partly_written_file_in_django_storage(settings):
    """Why the service removes what it failed to write: Django's FileSystemStorage keeps
    the part written before ENOSPC (the "no orphan file" checks above catch it)."""
    from django.core.files.storage import default_storage

    point = mount_tmpfs("size=64k")
    try:
        fill(point)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": point}},
        }
        with pytest.raises(OSError) as raised:
            default_storage.save("probe/file", pdf_upload())
        assert raised.value.errno == errno.ENOSPC
        assert os.path.exists(point / "probe" / "file")
    finally:
        subprocess.run(["umount", str(point)], check=True)
        point.rmdir()
