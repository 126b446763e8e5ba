"""Downloading an attachment: who gets the bytes, and how they are sent."""

import re
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from apps.applications.models import Status
from apps.programs.models import Region
from tests.builders import attach, clerk, office_group
from tests.factories import ApplicationFactory, ProgramFactory, StudentProfileFactory, UserFactory
from tests.samples import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

OTHER_REGION = {Region.INTERNATIONAL: Region.HMT, Region.HMT: Region.INTERNATIONAL}


def download_url(attachment, application_pk=None):
    pk = attachment.application_id if application_pk is None else application_pk
    return reverse("applications:attachment", args=[pk, attachment.pk])


def body(response):
    """The streamed bytes; reading them to the end also closes the file."""
    return b"".join(response.streaming_content)


@pytest.fixture
def pdf():
    return pdf_bytes()


@pytest.fixture
def attachment(student, pdf):
    application = ApplicationFactory(student=student, program=ProgramFactory())
    return attach(application, pdf, "成绩单.pdf")


def assert_downloaded(response, data):
    assert response.status_code == 200
    assert body(response) == data


# --- The owner -----------------------------------------------------------------------------


@pytest.mark.s3
@pytest.mark.parametrize(
    "data, sent_name, stored_name, content_type",
    [
        pytest.param(
            pdf_bytes(), "成绩单（中文版）.pdf", "成绩单（中文版）.pdf", "application/pdf", id="pdf"
        ),
        pytest.param(image_bytes("PNG"), "在读证明.png", "在读证明.png", "image/png", id="png"),
        # The name and the type are what the content is, not what the browser claimed.
        pytest.param(image_bytes("PNG"), "扫描件.pdf", "扫描件.png", "image/png", id="png-as-pdf"),
    ],
)
def test_the_owner_downloads_the_exact_bytes_with_its_type_and_chinese_name(
    student, student_client, data, sent_name, stored_name, content_type
):
    application = ApplicationFactory(student=student)
    attachment = attach(application, data, sent_name)
    assert (attachment.original_name, attachment.content_type) == (stored_name, content_type)

    response = student_client.get(download_url(attachment))

    assert_downloaded(response, data)
    assert response["Content-Type"] == content_type
    assert response["Content-Length"] == str(len(data))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 6266 / RFC 5987: a non-ASCII name travels percent-encoded UTF-8 in filename*.
    match = re.search(r"filename\*=utf-8''([^;\s]+)", disposition, flags=re.IGNORECASE)
    assert match, disposition
    assert disposition.isascii()
    assert unquote(match[1], encoding="utf-8", errors="strict") == stored_name


def test_the_download_may_not_be_sniffed_or_cached_by_shared_caches(attachment, student_client):
    response = student_client.get(download_url(attachment))
    body(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


# --- Everyone else -------------------------------------------------------------------------


def test_another_student_gets_404(attachment, client):
    client.force_login(StudentProfileFactory().user)
    assert client.get(download_url(attachment)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(attachment, client):
    url = download_url(attachment)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert f"next={url}" in unquote(response.url)


@pytest.mark.parametrize("region", Region.values)
def test_staff_of_the_programs_track_office_may_download(student, client, pdf, region):
    application = ApplicationFactory(student=student, program=ProgramFactory(region=region))
    attachment = attach(application, pdf, "成绩单.pdf")
    type(application).objects.filter(pk=application.pk).update(
        status=Status.SUBMITTED, has_passport=False
    )
    client.force_login(clerk(region))
    assert_downloaded(client.get(download_url(attachment)), pdf)


def test_the_office_does_not_see_the_files_of_a_draft(attachment, client):
    """A draft is the student's own until 提交 (the details page tells them so)."""
    assert attachment.application.status == Status.DRAFT
    client.force_login(clerk(attachment.application.program.region))
    assert client.get(download_url(attachment)).status_code == 404


@pytest.mark.parametrize("region", Region.values)
def test_staff_of_the_other_tracks_office_gets_404(student, client, pdf, region):
    application = ApplicationFactory(student=student, program=ProgramFactory(region=region))
    attachment = attach(application, pdf, "成绩单.pdf")
    client.force_login(clerk(OTHER_REGION[region]))
    assert client.get(download_url(attachment)).status_code == 404


def test_staff_in_no_office_gets_404(attachment, client):
    client.force_login(clerk())
    assert client.get(download_url(attachment)).status_code == 404


def test_an_office_group_without_the_staff_flag_gives_no_access(attachment, client):
    user = UserFactory(is_staff=False)
    user.groups.add(office_group(Region.INTERNATIONAL))
    client.force_login(user)
    assert client.get(download_url(attachment)).status_code == 404


def test_a_superuser_may_download_without_an_office(attachment, client, pdf):
    client.force_login(clerk(superuser=True))
    assert_downloaded(client.get(download_url(attachment)), pdf)


# --- Wrong or broken links -----------------------------------------------------------------


def test_an_attachment_under_another_applications_pk_is_404(student, student_client, pdf):
    first = ApplicationFactory(student=student)
    second = ApplicationFactory(student=student)
    attachment = attach(first, pdf, "成绩单.pdf")

    assert student_client.get(download_url(attachment, second.pk)).status_code == 404
    assert_downloaded(student_client.get(download_url(attachment, first.pk)), pdf)


def test_an_unknown_attachment_is_404(attachment, student_client):
    url = reverse("applications:attachment", args=[attachment.application_id, attachment.pk + 1])
    assert student_client.get(url).status_code == 404


@pytest.mark.s3
def test_a_file_missing_from_storage_is_404_not_500(attachment, student_client):
    default_storage.delete(attachment.file.name)
    assert not default_storage.exists(attachment.file.name)
    assert student_client.get(download_url(attachment)).status_code == 404
