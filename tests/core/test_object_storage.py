"""STORAGE_BACKEND=s3: every file the portal writes goes to the bucket, none to a node's disk.

The bucket is served by moto's server mode on loopback (tests/s3_server.py): real HTTP
requests, as against S3 itself. The tests marked `s3` elsewhere run the upload, download,
PDF cache, 下载我的数据, export ZIP and purge tests against it too (`-m s3`).
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta

import pytest
from botocore.config import Config
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Status
from apps.attachments.models import Attachment
from apps.core.storage import PrivateS3Storage
from tests.builders import form_data, pdf_upload
from tests.s3_server import free_port

pytestmark = pytest.mark.django_db


def files_under(folder):
    return [os.path.join(d, f) for d, _dirs, files in os.walk(folder) for f in files]


def test_with_s3_nothing_of_a_whole_journey_is_written_under_media_root(
    s3_storage, moto_s3, settings, student, client, make_draft, superuser, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    media_before = files_under(django_settings.MEDIA_ROOT)
    application = make_draft()
    client.force_login(student)
    response = client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "action": "submit", "language": pdf_upload("雅思.pdf")},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    language = application.attachments.get(original_name="雅思.pdf")

    download = client.get(reverse("applications:attachment", args=[application.pk, language.pk]))
    assert download["Content-Length"] == str(language.size), "streamed with its length"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    form = client.get(reverse("applications:pdf", args=[application.pk]))
    assert b"".join(form.streaming_content).startswith(b"%PDF-")
    my_data = client.get(reverse("accounts:my_data"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(my_data.streaming_content)))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 3
    client.force_login(superuser)
    exported = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "download_attachments", "_selected_action": [application.pk]},
    )
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(exported.streaming_content))).namelist()) == 3

    keys = moto_s3.keys(s3_storage)
    assert sorted(k.split("/")[0] for k in keys) == ["attachments"] * 3 + ["pdf-cache"]
    assert language.file.name in keys

    Attachment.objects.update(uploaded_at=timezone.now() - timedelta(days=365 * 6))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_attachments", stdout=io.StringIO())
    assert [k.split("/")[0] for k in moto_s3.keys(s3_storage)] == ["pdf-cache"]

    assert files_under(tmp_path / "media") == []
    assert files_under(django_settings.MEDIA_ROOT) == media_before


def test_an_unusable_bucket_refuses_the_upload_with_the_message_and_keeps_the_rest(
    s3_storage, moto_s3, student_client, make_draft
):
    application = make_draft()
    before = set(application.attachments.values_list("pk", flat=True))
    s3 = moto_s3.client()
    for key in moto_s3.keys(s3_storage):
        s3.delete_object(Bucket=s3_storage, Key=key)
    s3.delete_bucket(Bucket=s3_storage)  # every write now fails with NoSuchBucket

    upload = pdf_upload("外语证明.pdf")
    response = student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "major": "数据科学", "action": "save", "language": upload},
    )

    assert response.status_code == 200, "the form again, not an error page"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "「外语证明.pdf」未能保存" in message and "其余内容已保存" in message
    application.refresh_from_db()
    assert application.major == "数据科学"
    assert set(application.attachments.values_list("pk", flat=True)) == before, "no orphan row"


def test_objects_are_private_and_have_no_url(s3_storage, moto_s3, make_draft):
    attachment = make_draft().attachments.first()
    acl = moto_s3.client().get_object_acl(Bucket=s3_storage, Key=attachment.file.name)
    assert [g["Grantee"].get("URI") for g in acl["Grants"]] == [None], "the owner only"
    assert isinstance(default_storage._wrapped, PrivateS3Storage)
    with pytest.raises(NotImplementedError):
        attachment.file.url  # noqa: B018


def test_an_existing_name_is_never_overwritten(s3_storage):
    from django.core.files.base import ContentFile

    first = default_storage.save("attachments/1/x", ContentFile(b"first"))
    second = default_storage.save("attachments/1/x", ContentFile(b"second"))
    assert first != second
    with default_storage.open(first) as handle:
        assert handle.read() == b"first"


def settings_in_a_fresh_process(**environment):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default'], default=str))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "STORAGE_", "DATABASE_"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "exchange_portal.settings", **environment}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    return done


def test_the_environment_chooses_s3_and_local_stays_the_default():
    local = json.loads(settings_in_a_fresh_process().stdout)
    assert local["BACKEND"] == "apps.core.storage.PrivateFileSystemStorage"

    done = settings_in_a_fresh_process(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="portal-files",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    s3 = json.loads(done.stdout)
    assert s3["BACKEND"] == "apps.core.storage.PrivateS3Storage"
    assert s3["OPTIONS"] == {
        "bucket_name": "portal-files",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "us-east-1",
    }
    wrong = settings_in_a_fresh_process(STORAGE_BACKEND="nfs")
    assert wrong.returncode != 0 and "STORAGE_BACKEND must be local or s3" in wrong.stderr


def test_a_file_that_cannot_be_deleted_after_commit_is_logged_not_a_failed_request(
    s3_storage, moto_s3, settings, student_client, make_draft, caplog,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    application = make_draft()
    attachment = application.attachments.first()
    unreachable = moto_s3.storage_settings(s3_storage)
    unreachable["OPTIONS"] |= {
        "endpoint_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1),
    }
    settings.STORAGES = {**settings.STORAGES, "default": unreachable}

    with django_capture_on_commit_callbacks(execute=True):
        response = student_client.post(
            reverse("applications:edit", args=[application.pk]),
            {**form_data(application), "action": "save", "remove": str(attachment.pk)},
        )

    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert "EndpointConnectionError" in caplog.text or "Could not connect" in caplog.text
    assert attachment.file.name in moto_s3.keys(s3_storage), "left as an orphan, logged"
