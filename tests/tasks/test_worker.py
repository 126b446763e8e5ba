"""A real Celery worker process executes what the portal's requests enqueue.

The test starts its own redis-server and `celery -A exchange_portal worker --pool solo`
(tests/tasks/worker.py) against the test's PostgreSQL database; the requests go through
Django's test client in this process, which publishes to that Redis once each request's
transaction has committed (the tests are transactional, so the worker sees the rows). The
mail server is the loopback one of tests/smtp_server.py, busy (421) for the first try.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.applications import pdf
from apps.applications.models import DraftReminder, Status
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.smtp_server import SmtpServer
from tests.tasks import worker as running

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker is another process: it sees the test database on PostgreSQL "
        "(SQLite's test database lives in this process's memory)",
    ),
]


@pytest.fixture(scope="module")
def redis():
    try:
        server = running.Redis()
    except running.Unavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker_media(tmp_path_factory):
    return tmp_path_factory.mktemp("worker") / "media"


@pytest.fixture(scope="module")
def worker(django_db_setup, redis, smtp, worker_media):
    process = running.Worker(
        broker_url=redis.url,
        database_url=running.database_url(django_settings.DATABASES["default"]),
        media_root=worker_media,
        smtp_port=smtp.port,
        log_path=worker_media.parent / "worker.log",
    )
    yield process
    process.stop()


@pytest.fixture
def portal(settings, worker, worker_media, redis):
    """This process as a web node: the worker's media folder, publishing to its Redis."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "apps.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": worker_media},
        },
    }
    with running.publishing_to(redis.url):
        yield worker


def approve_in_admin(clerk, application):
    client = Client()
    client.force_login(clerk)
    url = reverse("admin:applications_application_review", args=[application.pk, "approve"])
    return client.post(url, {"comment": ""})


def test_a_review_is_emailed_by_the_worker_which_retries_a_busy_mail_server(
    portal, smtp, make_submitted, clerk
):
    application = make_submitted()
    # The server and the worker serve the whole module: another test's mail may be there.
    before, sent = smtp.connections, len(smtp.messages)
    done = portal.succeeded("send_decision_email")
    smtp.busy_for = before + 1  # the first try is told "421 try again later"

    response = approve_in_admin(clerk, application)

    assert response.status_code == 302
    assert mail.outbox == [], "the request only enqueued it"
    portal.wait_for(lambda: len(smtp.messages) > sent, "the decision email arrives")
    portal.wait_for(
        lambda: portal.succeeded("send_decision_email") == done + 1, "the email task finishes"
    )
    [(recipients, message)] = smtp.messages[sent:]
    assert recipients == [application.email]
    assert "审核通过" in message["Subject"]
    assert smtp.connections - before == 2, "refused once, retried once"
    assert "retry: Retry in" in portal.output()
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_a_submission_is_rendered_into_the_pdf_cache_by_the_worker(
    portal, worker_media, make_draft, student
):
    application = make_draft()
    client = Client()
    client.force_login(student)

    response = client.post(
        reverse("applications:edit", args=[application.pk]), {"action": "submit"}
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert_downloaded_as_the_worker_rendered_it(portal, worker_media, application, client)


def assert_downloaded_as_the_worker_rendered_it(portal, worker_media, application, client):
    """The worker renders the form's current version; the download serves that file."""
    cached = worker_media / pdf.cache_name(application)
    portal.wait_for(cached.exists, "the worker renders the form into the cache")
    with pytest.MonkeyPatch.context() as patch:
        renders = []
        patch.setattr(pdf, "render_pdf", lambda *a: renders.append(1))
        download = client.get(reverse("applications:pdf", args=[application.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == cached.read_bytes()
    assert renders == [], "the student's first download was the worker's render"


def test_the_first_download_after_a_review_was_rendered_by_the_worker(
    portal, worker_media, make_submitted, student, clerk
):
    application = make_submitted()
    submitted = worker_media / pdf.cache_name(application)
    portal.wait_for(submitted.exists, "the worker renders the submitted form")

    response = approve_in_admin(clerk, application)

    assert response.status_code == 302
    application.refresh_from_db()
    client = Client()
    client.force_login(student)
    assert_downloaded_as_the_worker_rendered_it(portal, worker_media, application, client)


def test_the_draft_reminders_go_out_through_the_worker_once(portal, smtp, make_draft):
    program = ProgramFactory(
        opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() + timedelta(days=2)
    )
    application = make_draft(program=program, owner=StudentProfileFactory().user)
    smtp.busy_for = 0
    before = len(smtp.messages)

    out = StringIO()
    call_command("remind_drafts", stdout=out)
    call_command("remind_drafts", stdout=out)

    assert out.getvalue().splitlines() == ["1 reminder(s) queued.", "0 reminder(s) queued."]
    portal.wait_for(
        lambda: DraftReminder.objects.filter(
            application=application, sent_at__isnull=False
        ).exists(),
        "the worker sends the reminder and marks it sent",
    )
    [(recipients, _message)] = smtp.messages[before:]
    assert recipients == [application.email]
