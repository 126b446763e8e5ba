"""The registrar's roster for a nightly job: `manage.py import_roster roster.csv`.

The same checks and writing as the admin page (apps.accounts.roster), all or nothing.
Prints the counts, then each error row with its reasons; exits non-zero when the file
cannot be read or any row is wrong, so the job's scheduler reports it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.accounts import roster


class Command(BaseCommand):
    help = "Import the registrar's student roster (CSV or XLSX), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the roster file (.csv or .xlsx)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count only; write nothing"
        )

    def handle(self, *args, path, dry_run, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            rows = roster.parse_roster(data)
        except roster.RosterFileError as error:
            raise CommandError(error.message) from error
        if dry_run:
            preview = roster.build_preview(rows)
        else:
            try:
                preview = roster.import_roster(rows=rows)
            except roster.RosterRefused as refused:
                self._report(refused.preview)
                raise CommandError(refused.message) from refused
            except roster.RosterConflict as conflict:
                raise CommandError(conflict.message) from conflict
        self._report(preview)
        if preview.errors:
            raise CommandError(roster.RosterRefused(preview).message)
        if dry_run:
            self.stdout.write(_("试运行：未写入任何数据。"))
        else:
            self.stdout.write(self.style.SUCCESS(_("学籍名单已导入。")))

    def _report(self, preview):
        self.stdout.write(
            _("新建 %(new)s，更改 %(changed)s，无变化 %(unchanged)s，有误 %(error)s。")
            % preview.counts()
        )
        for item in preview.errors:
            self.stderr.write(
                _("第 %(line)s 行（学号 %(id)s）：%(reasons)s")
                % {
                    "line": item.row.line,
                    "id": item.student_id or "—",
                    "reasons": _("；").join(item.reasons),
                }
            )
