"""Remove uploaded files past the retention period (ATTACHMENT_RETENTION_YEARS)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.operations.retention import purge_attachments, retention_cutoff


class Command(BaseCommand):
    help = (
        "Delete from storage the files uploaded more than --years years ago (default: "
        "ATTACHMENT_RETENTION_YEARS) and mark their rows purged; --dry-run only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args, years=None, dry_run=False, **options):
        years = settings.ATTACHMENT_RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        cutoff = retention_cutoff(years)
        result = purge_attachments(cutoff=cutoff, dry_run=dry_run)
        for attachment in result.purged:
            application = attachment.application
            self.stdout.write(
                f"{timezone.localtime(attachment.uploaded_at):%Y-%m-%d}  "
                f"{application.student.username}  #{application.number}  "
                f"{attachment.kind}  {attachment.original_name}  ({attachment.size} B)"
            )
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(
            f"{len(result.purged)} file(s), {result.bytes} bytes, uploaded before "
            f"{timezone.localtime(cutoff):%Y-%m-%d} {verb}."
        )
