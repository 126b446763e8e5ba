"""The applications' background tasks: the emails to students, the daily draft reminders
and warming the PDF cache. Enqueued with ids only, after commit (apps.core.queue.enqueue);
run by `celery -A exchange_portal worker`, or eagerly in-process when no broker is set.

A send or render that fails is tried again with exponential backoff (TASK_MAX_RETRIES);
when the last try fails, or the failure is one that another try cannot change, it is
logged with the application's number and the kind of error, never an address.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.queue import RETRIED, TryAgain, enqueue, last_try

from . import notifications, pdf
from .models import EDITABLE_STATUSES, Application, ApplicationEvent, DraftReminder

logger = logging.getLogger(__name__)

DECISION = "applications/email/decision"
DRAFT_REMINDER = "applications/email/draft_reminder"


def _send(task, application, template, context):
    """Send one email: True when the mail server took it, False when given up (logged);
    raises TryAgain when another try may succeed."""
    try:
        return notifications.email_student(application, template, context)
    except Exception as error:
        if (
            notifications.is_permanent(error)
            or last_try(task)
            # Run eagerly, a retry happens at once inside the request that enqueued it:
            # a mail server that hangs would hold that request once per try.
            or (task.request.is_eager and notifications.timed_out(error))
        ):
            notifications.log_failure(application, template, error)
            return False
        # Without the original exception: its text may name the recipient.
        raise TryAgain(
            f"application {application.pk}: {notifications.describe_failure(error)}"
        ) from None


@shared_task(bind=True, **RETRIED)
def send_decision_email(self, event_pk):
    """Tell the student about a decision or admission result (`announcements.announce`)."""
    event = ApplicationEvent.objects.select_related(
        "application__program", "application__student__profile"
    ).get(pk=event_pk)
    return _send(self, event.application, DECISION, {"event": event})


@shared_task(bind=True, **RETRIED)
def send_draft_reminder(self, application_pk):
    """The one reminder of an unsubmitted application, claimed by `queue_draft_reminders`."""
    reminder = (
        DraftReminder.objects.select_related(
            "application__program", "application__student__profile"
        )
        .filter(application_id=application_pk)
        .first()
    )
    if reminder is None or reminder.sent_at is not None:
        return False  # given back meanwhile, or sent already (this task was delivered twice)
    application = reminder.application
    if application.status not in EDITABLE_STATUSES:
        reminder.delete()  # submitted meanwhile: nothing to remind of
        return False
    context = notifications.reminder_context(application)
    sent = _send(self, application, DRAFT_REMINDER, context)
    if sent:
        DraftReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
    else:
        # Not sent, for good this time: given back, so that the next run tries again.
        DraftReminder.objects.filter(pk=reminder.pk, sent_at=None).delete()
    return sent


# A claimed reminder whose task vanished (the broker lost it) is claimed again after this;
# far longer than a task's retries take (TASK_MAX_RETRIES x TASK_RETRY_BACKOFF_MAX).
STALE_CLAIM = timedelta(days=1)


def queue_draft_reminders(*, days, now=None):
    """Remind each student whose application is still unsubmitted when its program closes
    within `days` days: claim a DraftReminder row per application, and enqueue its email
    (`send_draft_reminder`) once the claim is committed.

    Once per application: a claimed row is skipped by every later run (or a second run at
    the same time), the task sends only while the row is claimed and unsent, and marks it
    sent; a send that fails for good gives the row back, so the next run tries again.
    Returns the number of reminders queued.
    """
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


@shared_task
def remind_drafts(days=None):
    """Daily (CELERY_BEAT_SCHEDULE): claim and queue the reminders that are due."""
    days = settings.DRAFT_REMINDER_DAYS if days is None else days
    queued = queue_draft_reminders(days=days)
    logger.info("%s draft reminder(s) queued.", queued)
    return queued


@shared_task(bind=True, **RETRIED)
def warm_pdf(self, application_pk):
    """Render the form after a (re)submission or a score supplement, into the PDF cache.
    Idempotent: a version already cached is not rendered again."""
    application = (
        pdf.printable(Application.objects)
        .select_related("student__profile")
        .filter(pk=application_pk)
        .first()
    )
    if application is None:
        return False  # withdrawn meanwhile: no form to print
    try:
        return pdf.warm_cache(application)
    except Exception as error:
        # Run eagerly, a retry would render again inside the request: the download renders.
        if last_try(self) or self.request.is_eager:
            logger.exception(
                "The form of application %s was not rendered ahead: %s",
                application_pk,
                notifications.describe_failure(error),
            )
            return False
        raise TryAgain(
            f"application {application_pk}: {notifications.describe_failure(error)}"
        ) from error
    finally:
        # A render leaves a few hundred MB of cycles behind (see pdf.release_render_memory).
        pdf.release_render_memory()
