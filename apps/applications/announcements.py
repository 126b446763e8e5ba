"""What the student hears about the office's decisions: a notice on the home page and an email.

`announce` is called by `services.record_event` for every history row, inside the service's
transaction. The notice is written in that transaction (it disappears with a rollback);
the email is a task (apps.applications.tasks) enqueued once the transaction has committed,
so that a student is never told about a decision the database does not hold, and no
request ever waits for the mail server. A failing mail server is retried with backoff,
then logged; it never undoes or blocks the decision.
"""

from apps.core.queue import enqueue

from .models import AdmissionResult, EventKind, Notice, Status
from .tasks import send_decision_email

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
    enqueue(send_decision_email, event.pk)
    return notice
