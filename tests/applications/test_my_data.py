"""下载我的数据: a student downloads everything the portal holds about them, and only that."""

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.attachments.models import AttachmentKind
from apps.scores.services import supplement_score
from apps.summaries.services import save_summary, submit_summary
from tests.builders import checked, passport, pdf_upload
from tests.factories import ProgramFactory, StudentProfileFactory, UserFactory
from tests.summaries.test_summary import finished_program

pytestmark = pytest.mark.django_db

URL = reverse("accounts:my_data")


def download(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("我的数据.json"))
    return response, archive, data


@pytest.fixture
def rich_student(student, make_submitted, make_admitted):
    """A student with a submitted application (passport, supplemented score with proof) and
    an admitted one with a submitted summary and its file, plus notices."""
    submitted = make_submitted(**passport(), program=ProgramFactory(title="东京大学交换"))
    proof = pdf_upload("雅思成绩.pdf")
    supplement_score(
        application=submitted,
        user=student,
        language_test="ielts",
        score=7,
        proof=(proof, checked(AttachmentKind.SCORE_PROOF, proof)[2]),
    )
    admitted = make_admitted(program=finished_program())
    save_summary(
        application=admitted,
        user=student,
        changes={"return_date": timezone.localdate() - timedelta(days=5)},
        new_files=[checked(AttachmentKind.SUMMARY, pdf_upload("总结.pdf"))],
    )
    submit_summary(application=admitted, user=student)
    return submitted, admitted


@pytest.fixture
def other_students_application(make_submitted):
    other = StudentProfileFactory(name="李雨桐").user
    return make_submitted(
        owner=other,
        name="李雨桐",
        has_passport=True,
        passport_number="K99887766",
        passport_expiry=timezone.localdate() + timedelta(days=900),
    )


@pytest.mark.s3
def test_the_zip_holds_every_own_record_with_the_passport_decrypted(
    student_client, student, rich_student, other_students_application
):
    submitted, admitted = rich_student
    response, archive, data = download(student_client)

    assert quote("我的数据") in response["Content-Disposition"]
    assert data["account"]["username"] == student.username
    assert data["profile"]["name"] == "张晓明"
    by_number = {entry["number"]: entry for entry in data["applications"]}
    assert set(by_number) == {submitted.number, admitted.number}

    first = by_number[submitted.number]
    assert first["passport_number"] == passport()["passport_number"], "their own: in full"
    assert first["program"]["title"] == "东京大学交换"
    assert first["status_display"] == "待审核"
    assert first["score_supplement"]["score"] == "7.0"
    assert [event["headline"] for event in first["history"]][:2] == ["创建报名草稿", "提交申请"]

    second = by_number[admitted.number]
    assert second["return_summary"]["submitted_at"]
    assert second["admission_result_display"] == "录取"
    assert {n["application_number"] for n in data["notices"]} == {admitted.number}

    # Every file of the student is in the ZIP, byte for byte, at the path the JSON names.
    files = [a for entry in data["applications"] for a in entry["attachments"]]
    kinds = {a["kind"] for a in files}
    assert {"transcript", "enrollment", "score_proof", "summary"} <= kinds
    for application in (submitted, admitted):
        for attachment in application.attachments.all():
            listed = next(a for a in files if a["original_name"] == attachment.original_name)
            with attachment.file.open("rb") as stored:
                assert archive.read(listed["file"]) == stored.read()
    assert len(archive.namelist()) == len(files) + 1
    assert any(name.endswith("补录分数证明-1.pdf") for name in archive.namelist())


def test_another_students_data_never_appears(
    student_client, rich_student, other_students_application
):
    _response, archive, data = download(student_client)
    everything = json.dumps(data, ensure_ascii=False)
    assert "李雨桐" not in everything and "K99887766" not in everything
    # By the numbers themselves: a six-digit number may be part of a 学号 or a date.
    numbers = [entry["number"] for entry in data["applications"]]
    assert numbers and other_students_application.number not in numbers
    own_files = [a for entry in data["applications"] for a in entry["attachments"]]
    assert len(archive.namelist()) == len(own_files) + 1, "the own files and the JSON only"


def test_the_other_student_gets_only_their_own(client, rich_student, other_students_application):
    client.force_login(other_students_application.student)
    _response, _archive, data = download(client)
    assert [entry["number"] for entry in data["applications"]] == [
        other_students_application.number
    ]
    assert data["applications"][0]["passport_number"] == "K99887766"
    assert "张晓明" not in json.dumps(data, ensure_ascii=False)


def test_a_user_without_applications_gets_an_empty_but_valid_archive(client):
    client.force_login(UserFactory(is_staff=True))
    _response, archive, data = download(client)
    assert data["applications"] == [] and data["profile"] is None
    assert archive.namelist() == ["我的数据.json"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_profile_page_offers_the_download(student_client):
    page = student_client.get(reverse("accounts:profile")).text
    assert "下载我的数据" in page and URL in page


@pytest.mark.s3
def test_a_purged_file_is_listed_without_content(student_client, make_submitted):
    application = make_submitted()
    purged = application.attachments.first()
    purged.file.delete(save=False)
    purged.purged_at = timezone.now()
    purged.save()

    _response, archive, data = download(student_client)

    listed = {a["original_name"]: a for a in data["applications"][0]["attachments"]}
    assert listed[purged.original_name]["file"] == ""
    assert listed[purged.original_name]["purged_at"]
    assert len(archive.namelist()) == 1 + application.attachments.count() - 1


def test_the_download_answers_only_reads(student_client):
    url = reverse("accounts:my_data")

    assert student_client.post(url).status_code == 405
    assert student_client.head(url).status_code == 200
