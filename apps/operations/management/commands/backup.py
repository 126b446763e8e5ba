"""manage.py backup --to DIR: the database (pg_dump) and the uploads, with checksums."""

from django.core.management.base import BaseCommand, CommandError

from apps.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump, custom format) and the uploaded files (the "
        "default storage: MEDIA_ROOT, or the bucket with STORAGE_BACKEND=s3) into a new "
        "directory, with a manifest of SHA-256 checksums. Restore with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, dest="target", help="a new or empty directory")

    def handle(self, *args, target, **options):
        try:
            manifest = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        size = sum(f["size"] for f in manifest["files"].values())
        self.stdout.write(
            f"Backed up database {manifest['database']} (PostgreSQL {manifest['server_major']}) "
            f"and {len(manifest['media'])} file(s) into {target} ({size} bytes)."
        )
