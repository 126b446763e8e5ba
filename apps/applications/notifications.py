"""What the student hears about the office's decisions: a notice on the home page and an email.

`announce` is called by `services.record_event` for every history row, inside the service's
transaction. The notice is written in that transaction (it disappears with a rollback);
the email is sent only once the transaction has committed, so that a student is never
told about a decision the database does not hold. A failing mail server is logged and
never undoes or blocks the decision.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import (
    EDITABLE_STATUSES,
    AdmissionResult,
    Application,
    ApplicationEvent,
    DraftReminder,
    EventKind,
    Notice,
    Status,
)

logger = logging.getLogger(__name__)

ANNOUNCED = {
    EventKind.STATUS: {Status.APPROVED, Status.REJECTED, Status.RETURNED},
    EventKind.ADMISSION: {AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED},
}


def announce(event):
    """A notice and, after commit, an email for the events the student must hear about."""
    if event.to_value not in ANNOUNCED.get(event.kind, ()):
        return None
    notice = Notice.objects.create(student_id=event.application.student_id, event=event)
    # robust: a template or mail error after the commit is logged, never a failed request.
    transaction.on_commit(lambda: send_event_email(event.pk), robust=True)
    return notice


def send_event_email(event_pk):
    event = ApplicationEvent.objects.select_related(
        "application__program", "application__student__profile"
    ).get(pk=event_pk)
    send_student_email(
        event.application,
        "applications/email/decision",
        {"event": event},
    )


def student_language(student):
    profile = getattr(student, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def send_student_email(application, template, context):
    """Render `template`_subject.txt / _body.txt in the student's language and send it.

    Returns True when the mail server took the message; failures are logged, not raised.
    """
    student = application.student
    recipient = application.email or student.email
    if not recipient:
        logger.warning(
            "No email address on application %s: nothing sent (%s).", application.pk, template
        )
        return False
    path = reverse("applications:detail", args=[application.pk])
    context = {
        "application": application,
        "program": application.program,
        "words": application.program.words,
        "url": f"{settings.PORTAL_BASE_URL}{path}",
        **context,
    }
    with translation.override(student_language(student)):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except Exception as error:
        # Logs are read by more people than the student's file: the application's number
        # says whom, the error's kind says why, and no address or name is written down.
        logger.error(
            "Could not email the student of application %s (%s): %s",
            application.pk,
            template.rsplit("/", 1)[-1],
            describe_failure(error),
        )
        return False
    return True


def describe_failure(error):
    """What went wrong with a send, without the message's addresses: an SMTP refusal's text
    and `SMTPRecipientsRefused` name the recipient, so only codes and kinds are kept."""
    kind = type(error).__name__
    if code := getattr(error, "smtp_code", None):
        return f"{kind} {code}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"{kind} {sorted(code for code, _text in error.recipients.values())}"
    if isinstance(error, OSError) and error.errno:
        return f"{kind} errno {error.errno}"
    return kind


def remind_drafts(*, days, now=None):
    """Email each student whose application is still unsubmitted when its program closes
    within `days` days. Once per application: the DraftReminder row is claimed first, so
    a second run (or two crons at once) sends nothing more; a failed send gives it back.

    Returns the number of emails sent.
    """
    now = now or timezone.now()
    due = (
        Application.objects.filter(
            status__in=EDITABLE_STATUSES,
            draft_reminder__isnull=True,
            program__is_published=True,
            program__closes_at__gt=now,
            program__closes_at__lte=now + timedelta(days=days),
        )
        .select_related("program", "student__profile")
        .order_by("program__closes_at", "pk")
    )
    sent = 0
    for application in due:
        try:
            with transaction.atomic():
                DraftReminder.objects.create(application=application)
        except IntegrityError:
            continue  # another run claimed it
        context = {
            "closes_at": timezone.localtime(application.program.closes_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "edit_url": settings.PORTAL_BASE_URL
            + reverse("applications:edit", args=[application.pk]),
        }
        if send_student_email(application, "applications/email/draft_reminder", context):
            sent += 1
        else:
            DraftReminder.objects.filter(application=application).delete()
    return sent
