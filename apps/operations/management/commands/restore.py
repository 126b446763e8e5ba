"""manage.py restore --from DIR: a backup into a new, empty database and file storage."""

import environ
from django.core.management.base import BaseCommand, CommandError

from apps.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (default: "
        "DATABASE_URL; or --database-url) and an empty file storage: the configured one "
        "(MEDIA_ROOT, or the bucket with STORAGE_BACKEND=s3), or the folder --media-root. "
        "Every checksum is verified before and after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", required=True, dest="source", help="the backup directory")
        parser.add_argument("--database-url", help="restore into this database instead")
        parser.add_argument("--media-root", help="unpack the files here instead of MEDIA_ROOT")

    def handle(self, *args, source, database_url=None, media_root=None, **options):
        db = environ.Env.db_url_config(database_url) if database_url else None
        try:
            manifest = restore(source, db=db, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored database {manifest['database']} of {manifest['created_at']} and "
            f"{len(manifest['media'])} file(s); every checksum matches."
        )
