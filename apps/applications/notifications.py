"""What the student hears about the office's decisions: a notice on the home page and an email.

`announce` is called by `services.record_event` for every history row, inside the service's
transaction. The notice is written in that transaction (it disappears with a rollback);
the email is a task (apps.applications.tasks) enqueued once the transaction has committed,
so that a student is never told about a decision the database does not hold, and no
request ever waits for the mail server. A failing mail server is retried with backoff,
then logged; it never undoes or blocks the decision.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.queue import enqueue

from .models import (
    EDITABLE_STATUSES,
    AdmissionResult,
    Application,
    DraftReminder,
    EventKind,
    Notice,
    Status,
)

logger = logging.getLogger(__name__)

ANNOUNCED = {
    EventKind.STATUS: {Status.APPROVED, Status.REJECTED, Status.RETURNED},
    EventKind.ADMISSION: {AdmissionResult.ADMITTED, AdmissionResult.NOT_ADMITTED},
    # A decision or result taken back: the student reads why (the event's comment).
    EventKind.REVIEW_REVERTED: {Status.SUBMITTED},
    EventKind.ADMISSION_REVERTED: {AdmissionResult.PENDING},
}


def announce(event):
    """A notice and, after commit, an email for the events the student must hear about."""
    if event.to_value not in ANNOUNCED.get(event.kind, ()):
        return None
    notice = Notice.objects.create(student_id=event.application.student_id, event=event)
    from .tasks import send_decision_email  # the tasks module imports this one

    enqueue(send_decision_email, event.pk)
    return notice


def student_language(student):
    profile = getattr(student, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def email_student(application, template, context):
    """Render `template`_subject.txt / _body.txt in the student's language and send it.

    Returns True when the mail server took the message, False when there is no address;
    raises what the mail backend raised (the task decides whether to try again).
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
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True


def log_failure(application, template, error):
    # Logs are read by more people than the student's file: the application's number
    # says whom, the error's kind says why, and no address or name is written down.
    logger.error(
        "Could not email the student of application %s (%s): %s",
        application.pk,
        template.rsplit("/", 1)[-1],
        describe_failure(error),
    )


def is_permanent(error):
    """A refusal that sending again will not change: the server answered 5xx (no such
    mailbox, sender refused, authentication failed). Connection errors, timeouts and 4xx
    answers ("try again later") are worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int) and code >= 500:
        return True
    # A bad address or header that the backend cannot even encode: the same every time.
    return not isinstance(error, OSError)


def timed_out(error):
    """Whether the mail server did not answer in EMAIL_TIMEOUT (smtplib reports a timeout
    while reading as SMTPServerDisconnected, caused by the TimeoutError)."""
    while error is not None:
        if isinstance(error, TimeoutError):
            return True
        error = error.__cause__ or error.__context__
    return False


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


# A claimed reminder whose task vanished (the broker lost it) is claimed again after this;
# far longer than a task's retries take (TASK_MAX_RETRIES x TASK_RETRY_BACKOFF_MAX).
STALE_CLAIM = timedelta(days=1)


def remind_drafts(*, days, now=None):
    """Remind each student whose application is still unsubmitted when its program closes
    within `days` days: claim a DraftReminder row per application, and enqueue its email
    (apps.applications.tasks.send_draft_reminder) once the claim is committed.

    Once per application: a claimed row is skipped by every later run (or a second run at
    the same time), the task sends only while the row is claimed and unsent, and marks it
    sent; a send that fails for good gives the row back, so the next run tries again.
    Returns the number of reminders queued.
    """
    from .tasks import send_draft_reminder  # the tasks module imports this one

    now = now or timezone.now()
    stale = now - STALE_CLAIM
    due = (
        Application.objects.filter(
            status__in=EDITABLE_STATUSES,
            program__is_published=True,
            program__closes_at__gt=now,
            program__closes_at__lte=now + timedelta(days=days),
        )
        .filter(
            Q(draft_reminder__isnull=True)
            | Q(draft_reminder__sent_at=None, draft_reminder__claimed_at__lt=stale)
        )
        .order_by("program__closes_at", "pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in due:
        if _claim_reminder(pk, now=now, stale=stale):
            enqueue(send_draft_reminder, pk)
            queued += 1
    return queued


def _claim_reminder(application_pk, *, now, stale):
    """Whether this run claimed the reminder of the application (nobody else did)."""
    if DraftReminder.objects.filter(
        application_id=application_pk, sent_at=None, claimed_at__lt=stale
    ).update(claimed_at=now):
        return True
    try:
        with transaction.atomic():
            DraftReminder.objects.create(application_id=application_pk, claimed_at=now)
    except IntegrityError:
        return False  # another run claimed it
    return True


def reminder_context(application):
    return {
        "closes_at": timezone.localtime(application.program.closes_at).strftime("%Y-%m-%d %H:%M"),
        "edit_url": settings.PORTAL_BASE_URL + reverse("applications:edit", args=[application.pk]),
    }
