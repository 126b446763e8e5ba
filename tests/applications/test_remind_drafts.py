"""remind_drafts: one email per unsubmitted application shortly before its program closes.

The command claims each reminder and queues its email (a task, run eagerly here once the
claim is committed); the daily Celery beat task does the same work.
"""

from datetime import timedelta
from io import StringIO
from smtplib import SMTPRecipientsRefused

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.applications import services
from apps.applications.models import DraftReminder
from apps.applications.tasks import remind_drafts, send_draft_reminder
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def closing_in(days):
    return ProgramFactory(
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() + timedelta(days=days),
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(days=None):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("remind_drafts", *([f"--days={days}"] if days else []), stdout=out)
        return out.getvalue()

    return run


def test_a_draft_is_reminded_once_however_often_cron_runs(make_draft, run):
    application = make_draft(program=closing_in(2), email="due@example.edu")

    assert "1 reminder(s) queued" in run()
    assert "0 reminder(s) queued" in run()

    [email] = mail.outbox
    assert email.to == ["due@example.edu"]
    assert application.program.title in email.subject
    assert f"/applications/{application.pk}/edit/" in email.body
    assert DraftReminder.objects.get(application=application).sent_at is not None


def test_only_unsubmitted_applications_of_programs_closing_soon(make_draft, make_submitted, run):
    owner = StudentProfileFactory().user
    soon, later = closing_in(2), closing_in(10)
    make_draft(program=later, owner=owner)  # closes in 10 days: not yet
    make_submitted(program=soon)  # already with the office
    unpublished = closing_in(1)
    make_draft(program=unpublished, owner=owner)
    unpublished.is_published = False
    unpublished.save()

    run()
    assert mail.outbox == []

    run(days=14)
    assert len(mail.outbox) == 1, "--days widens the window"


def test_a_program_that_has_closed_is_not_reminded(make_draft, run):
    application = make_draft(program=closing_in(2))
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        run()
    assert mail.outbox == []
    assert not DraftReminder.objects.filter(application=application).exists()


def test_a_send_that_fails_every_try_is_not_marked_and_the_next_run_tries_again(
    make_draft, monkeypatch, run, settings
):
    application = make_draft(program=closing_in(2))
    tries = flaky_send_mail(monkeypatch, failures=100)

    assert "1 reminder(s) queued" in run()
    assert len(tries) == 1 + settings.TASK_MAX_RETRIES, "retried, a bounded number of times"
    assert mail.outbox == []
    assert not DraftReminder.objects.exists(), "given back, not marked as sent"

    monkeypatch.undo()
    assert "1 reminder(s) queued" in run()
    [email] = mail.outbox
    assert f"/applications/{application.pk}/edit/" in email.body


def test_a_send_that_fails_then_succeeds_reminds_once(make_draft, monkeypatch, run):
    application = make_draft(program=closing_in(2))
    tries = flaky_send_mail(monkeypatch, failures=2)

    run()
    run()

    assert len(tries) == 3
    assert len(mail.outbox) == 1
    assert DraftReminder.objects.get(application=application).sent_at is not None


def test_a_refused_mailbox_is_not_retried(make_draft, monkeypatch, run):
    make_draft(program=closing_in(2))
    tries = flaky_send_mail(
        monkeypatch,
        failures=100,
        error=SMTPRecipientsRefused({"x@example.edu": (550, b"no such user")}),
    )
    run()
    assert len(tries) == 1, "a 5xx answer is the same on every try"
    assert not DraftReminder.objects.exists()


def test_a_reminder_task_delivered_twice_sends_once(make_draft, run):
    application = make_draft(program=closing_in(2))
    run()

    send_draft_reminder.delay(application.pk)  # the broker redelivers it

    assert len(mail.outbox) == 1


def test_a_claim_whose_task_was_lost_is_claimed_again_a_day_later(make_draft, run):
    application = make_draft(program=closing_in(2))
    DraftReminder.objects.create(application=application)  # claimed; its task never ran

    assert "0 reminder(s) queued" in run(), "a recent claim may still be on its way"
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert "1 reminder(s) queued" in run()
    assert len(mail.outbox) == 1
    assert DraftReminder.objects.get().sent_at is not None


def test_a_draft_submitted_before_its_reminder_went_out_is_not_reminded(
    make_draft, django_capture_on_commit_callbacks
):
    application = make_draft(program=closing_in(2))
    with django_capture_on_commit_callbacks() as queued:
        call_command("remind_drafts", stdout=StringIO())
    services.submit_application(application=application, user=application.student)

    for task in queued:
        task()

    assert mail.outbox == []
    assert not DraftReminder.objects.exists()


def test_beat_runs_the_reminders_daily_at_the_configured_time(make_draft, settings):
    from exchange_portal.celery import app

    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == remind_drafts.name]
    hour, minute = settings.DRAFT_REMINDER_TIME.split(":")
    assert entry["schedule"].hour == {int(hour)} and entry["schedule"].minute == {int(minute)}
    assert app.conf.timezone == settings.TIME_ZONE


@pytest.mark.parametrize("days", [3, 7])
def test_the_periodic_task_does_what_the_command_does(
    make_draft, make_submitted, django_capture_on_commit_callbacks, settings, days
):
    """Each setting of DRAFT_REMINDER_DAYS: the drafts closing within it are reminded, the
    ones closing after it and the submitted ones are not, as the command would."""
    settings.DRAFT_REMINDER_DAYS = days
    due = [make_draft(program=closing_in(2)), make_draft(program=closing_in(5))]
    due = [application for application in due if application.program.closes_at < _in(days)]
    make_draft(program=closing_in(10))  # after either setting
    make_submitted(program=closing_in(2))  # already with the office
    with django_capture_on_commit_callbacks(execute=True):
        remind_drafts.delay()
    reminded = sorted(
        DraftReminder.objects.exclude(sent_at=None).values_list("application", flat=True)
    )
    assert reminded == sorted(application.pk for application in due)
    assert len(mail.outbox) == len(due) == {3: 1, 7: 2}[days]
    for application in due:
        assert any(f"/applications/{application.pk}/edit/" in m.body for m in mail.outbox)


def _in(days):
    return timezone.now() + timedelta(days=days)


def flaky_send_mail(monkeypatch, failures, error=None):
    """Django's send_mail, failing its first `failures` calls; the list of calls."""
    from django.core.mail import send_mail

    tries = []

    def send(*args, **kwargs):
        tries.append(1)
        if len(tries) <= failures:
            raise error or ConnectionRefusedError(111, "Connection refused")
        return send_mail(*args, **kwargs)

    monkeypatch.setattr("apps.applications.notifications.send_mail", send)
    return tries


def test_the_english_reminder_puts_a_space_before_its_link(make_draft, run):
    application = make_draft(program=closing_in(2))
    profile = application.student.profile
    profile.language = "en"
    profile.save()
    run()
    [email] = mail.outbox
    assert "click “Submit”: http" in email.body
