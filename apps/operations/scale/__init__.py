"""University-scale data for the load benchmark (`manage.py seed_scale`).

Everything is made with `bulk_create` in batches of students, so memory stays flat and
150,000 applications take minutes. Each batch is consistent on its own: an application's
status agrees with its history rows, its attachments, its score supplement and its
summary, and every row satisfies the database's CHECK constraints. `bulk_create` sends
no signal: nothing cached of the new students (近期申请列表's version) is forgotten, which
is right for students no page has been served to yet (it seeds, never changes, rows).

Attachment files are real (a few small PDFs and JPEGs written once) and each attachment
row gets its own path, hard-linked to one of those originals (copied where the file system
refuses another link), so downloads work and the disk holds only a few hundred KB.

By what each part seeds: `names` (the marks of seeded rows, the vocabulary, the
proportions), `database` (what is there already, `reset`), `files` (`FilePool`),
`staff_and_programs` (the clerks, the superuser, the programs) and `applications` (the
students and their applications, batch by batch). The parts import one another, never this
package, which only puts them together (`seed`) and names what commands and bench/ use.
"""

import random
import sys
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.utils import timezone

from .applications import BatchBuilder
from .database import holds_other_data, progress, reset, seeded_counts
from .files import FilePool
from .names import (
    BATCH_STUDENTS,
    CLERKS,
    DEFAULT_PASSWORD,
    ORIGINALS_PER_KIND,
    STUDENT_PREFIX,
    SUPERUSER,
)
from .staff_and_programs import make_accounts, make_programs, make_requirements

__all__ = [
    "CLERKS",
    "DEFAULT_PASSWORD",
    "ORIGINALS_PER_KIND",
    "STUDENT_PREFIX",
    "SUPERUSER",
    "FilePool",
    "Sizes",
    "holds_other_data",
    "make_accounts",
    "reset",
    "seed",
    "seeded_counts",
]


@dataclass
class Sizes:
    students: int
    programs: int
    applications: int


def seed(sizes, password, seed_value=2026, out=sys.stderr):
    """Fill the (empty) database with `sizes`; returns what was made."""
    rng = random.Random(seed_value)
    now = timezone.now()
    files = FilePool()
    hashed = make_accounts(password)
    User = get_user_model()
    actors = {region: User.objects.get(username=name) for name, region in CLERKS.items()}
    programs = make_programs(sizes.programs, rng, now)
    make_requirements(programs)
    builder = BatchBuilder(rng, now, programs, hashed, files, actors)
    # Spread the applications: every student gets `base`, the first `extra` one more.
    base, extra = divmod(sizes.applications, max(sizes.students, 1))
    made = {"applications": 0, "events": 0, "attachments": 0}
    for first in range(0, sizes.students, BATCH_STUDENTS):
        last = min(first + BATCH_STUDENTS, sizes.students)
        students = builder.students(first, last)
        per_student = [min(base + (i < extra), len(builder.applicable)) for i in range(first, last)]
        applications = builder.applications(students, per_student)
        events, attachments = builder.follow_ups(applications)
        made["applications"] += len(applications)
        made["events"] += events
        made["attachments"] += attachments
        progress("students", last, sizes.students, out)
        reset_queries()  # with DEBUG on, Django would keep every batch's SQL
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return made
