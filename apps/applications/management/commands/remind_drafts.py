"""Remind students whose applications are unsubmitted shortly before closing.

Celery beat runs the same work daily (apps.applications.tasks.remind_drafts); this command
is for a cron without beat, or by hand.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.applications.tasks import queue_draft_reminders


class Command(BaseCommand):
    help = (
        "Queue an email to each student whose application is still unsubmitted (draft or "
        "returned) when the program closes within --days days. Each application is reminded "
        "once, however often this runs. Without a broker the emails are sent at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.DRAFT_REMINDER_DAYS,
            help="Days before closing (default DRAFT_REMINDER_DAYS, 3).",
        )

    def handle(self, *args, days, **options):
        queued = queue_draft_reminders(days=days)
        self.stdout.write(f"{queued} reminder(s) queued.")
