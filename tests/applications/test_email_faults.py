"""A mail server that refuses, hangs or turns a recipient away never fails the review that
sends the email, nor stops the reminder run; failures are logged without personal data.

Real sockets on loopback (tests/smtp_server.py) and Django's SMTP backend: the review goes
through the admin view in a transactional test, and the email task runs eagerly after the
commit inside the clerk's request, as on a server without a broker (the worst case: with
a broker the request only enqueues it; tests/tasks has those with a real worker).
"""

import logging
import signal
from contextlib import nullcontext
from datetime import timedelta
from io import StringIO

import pytest
from django.core.mail import get_connection
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import DraftReminder, Notice, Status
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.smtp_server import SmtpServer, closed_port, silent_server

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 1


@pytest.fixture
def smtp_to(settings):
    def point_at(port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = TIMEOUT

    return point_at


def test_the_smtp_backend_has_a_timeout_by_default():
    from django.conf import settings

    assert 0 < settings.EMAIL_TIMEOUT <= 30
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert connection.timeout == settings.EMAIL_TIMEOUT


def assert_no_personal_data(text, application):
    for private in [
        application.email,
        application.name,
        application.student.username,
        application.student.email,
    ]:
        assert not private or private not in text, private


def approve_in_admin(clerk, application):
    client = Client()
    client.force_login(clerk)
    url = reverse("admin:applications_application_review", args=[application.pk, "approve"])
    return finished(lambda: client.post(url, {"comment": ""}))


def finished(call, limit=120):
    """`call()`'s result, once it returned. A mail server that never answers keeps
    hanging until the test leaves it: a call that returns meanwhile gave up by the
    portal's own timeout. (`limit` only keeps a broken timeout from hanging the run;
    how long the give-up takes is a figure for bench/, not an assertion.)"""

    def hung(signum, frame):
        raise AssertionError("the call hung on the mail server")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(limit)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("server", ["refusing connections", "hung", "refusing the recipient"])
def test_a_failed_decision_email_never_fails_the_review(
    make_submitted, clerk, smtp_to, caplog, server
):
    application = make_submitted()
    running = {
        "refusing connections": lambda: nullcontext(closed_port()),
        "hung": silent_server,
        "refusing the recipient": lambda: SmtpServer(refused=[application.email]),
    }[server]()

    with running as port, caplog.at_level(logging.INFO):
        smtp_to(port if isinstance(port, int) else port.port)
        response = approve_in_admin(clerk, application)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert Notice.objects.filter(event__application=application).exists(), "the notice stands"
    [failure] = [r for r in caplog.records if r.getMessage().startswith("Could not email")]
    assert f"application {application.pk}" in failure.getMessage()
    assert failure.exc_info is None
    assert_no_personal_data(caplog.text, application)


def test_a_working_mail_server_receives_the_decision(make_submitted, clerk, smtp_to):
    """The same set-up delivers when the server works, so the tests above can fail."""
    application = make_submitted()
    with SmtpServer() as server:
        smtp_to(server.port)
        response = approve_in_admin(clerk, application)
    assert response.status_code == 302
    [(recipients, message)] = server.messages
    assert recipients == [application.email]
    assert "审核通过" in message["Subject"]


def closing_soon():
    return ProgramFactory(
        opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() + timedelta(days=2)
    )


def test_the_draft_reminders_keep_going_past_a_refused_address(make_draft, smtp_to, caplog):
    program = closing_soon()
    drafts = [
        make_draft(program=program, owner=StudentProfileFactory().user, email=f"s{i}@example.edu")
        for i in range(3)
    ]
    out = StringIO()

    with SmtpServer(refused=["s1@example.edu"]) as server, caplog.at_level(logging.INFO):
        smtp_to(server.port)
        call_command("remind_drafts", stdout=out)

    assert "3 reminder(s) queued" in out.getvalue()
    assert sorted(r for recipients, _ in server.messages for r in recipients) == [
        "s0@example.edu",
        "s2@example.edu",
    ]
    reminded = set(DraftReminder.objects.values_list("application_id", flat=True))
    assert reminded == {drafts[0].pk, drafts[2].pk}, "the refused one is tried again next run"
    assert f"application {drafts[1].pk}" in caplog.text
    assert_no_personal_data(caplog.text, drafts[1])


def test_the_draft_reminders_finish_when_the_mail_server_hangs(make_draft, smtp_to):
    program = closing_soon()
    for _ in range(2):
        make_draft(program=program, owner=StudentProfileFactory().user)
    out = StringIO()

    with silent_server() as port:
        smtp_to(port)
        finished(lambda: call_command("remind_drafts", stdout=out))

    assert "2 reminder(s) queued" in out.getvalue()
    assert not DraftReminder.objects.exists(), "every draft is tried again on the next run"
