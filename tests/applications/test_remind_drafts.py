"""remind_drafts: one email per unsubmitted application shortly before its program closes."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.applications.models import DraftReminder
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def closing_in(days):
    return ProgramFactory(
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() + timedelta(days=days),
    )


def run(days=None):
    out = StringIO()
    call_command("remind_drafts", *([f"--days={days}"] if days else []), stdout=out)
    return out.getvalue()


def test_a_draft_is_reminded_once_however_often_cron_runs(make_draft):
    application = make_draft(program=closing_in(2), email="due@example.edu")

    assert "1 reminder(s) sent" in run()
    assert "0 reminder(s) sent" in run()

    [email] = mail.outbox
    assert email.to == ["due@example.edu"]
    assert application.program.title in email.subject
    assert f"/applications/{application.pk}/edit/" in email.body
    assert DraftReminder.objects.filter(application=application).count() == 1


def test_only_unsubmitted_applications_of_programs_closing_soon(make_draft, make_submitted):
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


def test_a_program_that_has_closed_is_not_reminded(make_draft):
    application = make_draft(program=closing_in(2))
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        run()
    assert mail.outbox == []
    assert not DraftReminder.objects.filter(application=application).exists()


def test_a_failed_send_is_tried_again_on_the_next_run(make_draft, monkeypatch):
    make_draft(program=closing_in(2))
    monkeypatch.setattr("apps.applications.notifications.send_mail", _broken)
    assert "0 reminder(s) sent" in run()
    assert not DraftReminder.objects.exists()

    monkeypatch.undo()
    assert "1 reminder(s) sent" in run()


def _broken(*args, **kwargs):
    raise OSError("mail server down")
