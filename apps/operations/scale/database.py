"""What is in the database already (seeded or not), emptying it, and two helpers for the
bulk inserts: a progress bar and `created_at` values kept as given."""

import contextlib
import shutil
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection, models

from apps.accounts.models import StudentProfile
from apps.applications.models import Application, ApplicationEvent, Notice
from apps.attachments.models import Attachment
from apps.core.storage import is_local, walk
from apps.programs.models import Program, ProgramRequirement
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

from .names import CLERKS, SEED_CONTACT, STUDENT_PREFIX, SUPERUSER


def progress(label, done, total, out=sys.stderr):
    """A one-line progress bar, redrawn in place."""
    width = 30
    filled = width * done // max(total, 1)
    out.write(f"\r{label:14} [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{total}")
    if done >= total:
        out.write("\n")
    out.flush()


@contextlib.contextmanager
def explicit_timestamps(*model_classes):
    """Let bulk_create keep the created_at values we give (auto_now_add would overwrite)."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False)
    ]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


# --- State of the database ----------------------------------------------------------------


def seeded_counts():
    User = get_user_model()
    return {
        "programs": Program.objects.filter(contact=SEED_CONTACT).count(),
        "students": User.objects.filter(username__startswith=STUDENT_PREFIX).count(),
        "applications": Application.objects.count(),
    }


def holds_other_data():
    """Whether anything in the database was not made by this generator."""
    User = get_user_model()
    seeded_users = models.Q(username__startswith=STUDENT_PREFIX) | models.Q(
        username__in=[*CLERKS, SUPERUSER]
    )
    return (
        Program.objects.exclude(contact=SEED_CONTACT).exists()
        or User.objects.exclude(seeded_users).exists()
    )


def reset(storage=None):
    """Empty the portal's tables (and the attachment files): for throwaway databases only."""
    User = get_user_model()
    ordered = [
        Notice,
        ScoreSupplement,
        ReturnSummary,
        Attachment,
        ApplicationEvent,
        Application,
        ProgramRequirement,
        Program,
        StudentProfile,
    ]
    tables = [m._meta.db_table for m in ordered] + [User._meta.db_table]
    from django.contrib.admin.models import LogEntry
    from django.contrib.sessions.models import Session

    tables += [LogEntry._meta.db_table, Session._meta.db_table]
    with contextlib.suppress(LookupError):
        from auditlog.models import LogEntry as AuditlogEntry

        tables.append(AuditlogEntry._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            # Inside a transaction, deferred foreign-key checks must run before TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        for model in ordered:
            model.objects.all()._raw_delete(connection.alias)
        User.objects.all().delete()
    storage = storage or default_storage
    if is_local(storage):
        shutil.rmtree(Path(storage.location) / "attachments", ignore_errors=True)
    else:
        for name in walk(storage, "attachments"):
            storage.delete(name)
