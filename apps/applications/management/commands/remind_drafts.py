"""Daily cron: remind students whose applications are unsubmitted shortly before closing."""

from django.core.management.base import BaseCommand

from apps.applications.notifications import remind_drafts


class Command(BaseCommand):
    help = (
        "Email students whose applications are still unsubmitted (draft or returned) when "
        "the program closes within --days days. Each application is reminded once, however "
        "often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="Days before closing (default 3).")

    def handle(self, *args, days, **options):
        sent = remind_drafts(days=days)
        self.stdout.write(f"{sent} reminder(s) sent.")
