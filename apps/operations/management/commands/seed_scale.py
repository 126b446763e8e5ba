"""University-scale data for the load benchmark: `seed_scale --students 60000 ...`."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.operations import scale


class Command(BaseCommand):
    help = (
        "Fill a throwaway database with students, programs and applications at university "
        "scale (for bench/run). Refuses a database holding other data unless --reset, and "
        "refuses with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=60_000)
        parser.add_argument("--programs", type=int, default=3_000)
        parser.add_argument("--applications", type=int, default=150_000)
        parser.add_argument(
            "--password",
            default=scale.DEFAULT_PASSWORD,
            help="password of every seeded student, clerk and the superuser",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the portal's tables and attachment files first (throwaway databases!)",
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale creates 60,000 accounts with a known password: DEBUG must be on "
                "(or pass --force on a throwaway database)."
            )
        sizes = scale.Sizes(options["students"], options["programs"], options["applications"])
        if min(sizes.students, sizes.programs) < 1 or sizes.applications < 0:
            raise CommandError("--students and --programs must be at least 1.")
        wanted = {
            "programs": sizes.programs,
            "students": sizes.students,
            "applications": sizes.applications,
        }
        if options["reset"]:
            self.stderr.write("Emptying the portal's tables …")
            scale.reset()
        elif scale.holds_other_data():
            raise CommandError(
                "This database holds data that seed_scale did not make. Use a throwaway "
                "database, or --reset to empty it (everything in it is deleted)."
            )
        else:
            counts = scale.seeded_counts()
            if counts == wanted:
                scale.make_accounts(options["password"])
                self.stdout.write(f"Already seeded: {counts}. Nothing to do.")
                return
            if any(counts.values()):
                raise CommandError(
                    f"Seeded with other sizes ({counts}); pass --reset to start again."
                )
        started = time.monotonic()
        made = scale.seed(sizes, options["password"], options["seed"], out=self.stderr)
        self.stdout.write(
            f"Seeded {sizes.students} students, {sizes.programs} programs, "
            f"{made['applications']} applications, {made['events']} history rows, "
            f"{made['attachments']} attachments in {time.monotonic() - started:.0f} s. "
            f"Accounts: {', '.join([*scale.CLERKS, scale.SUPERUSER])} and students "
            f"{scale.STUDENT_PREFIX}00000000000…, password {options['password']!r}."
        )
