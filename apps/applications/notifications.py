"""Emailing the student, for the tasks (apps.applications.tasks): rendered in the student's
language; a failed send is told apart (worth another try or not) and logged without an
address. Which events the student hears about is apps.applications.announcements.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

logger = logging.getLogger(__name__)


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


def reminder_context(application):
    return {
        "closes_at": timezone.localtime(application.program.closes_at).strftime("%Y-%m-%d %H:%M"),
        "edit_url": settings.PORTAL_BASE_URL + reverse("applications:edit", args=[application.pk]),
    }
