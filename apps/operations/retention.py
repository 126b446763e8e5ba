"""The retention period of uploaded files: old files are removed, their rows stay.

A clerk opening an old application still sees which files were submitted (kind, original
name, size, upload time) and that the file was removed on a given day under the
retention rule; only the file's content is gone. The audit log records each purge.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.applications import fragments, row_cache
from apps.applications.models import Application, add_months
from apps.attachments.models import Attachment


@dataclass
class PurgeResult:
    purged: list  # the attachments whose files were (or, in a dry run, would be) removed
    bytes: int


def retention_cutoff(years, now=None):
    """Files uploaded before this moment are past `years` of retention."""
    now = now or timezone.now()
    day = add_months(now.date(), -12 * years)  # 29 Feb → 28 Feb in a common year
    return now.replace(year=day.year, month=day.month, day=day.day)


def due_for_purge(cutoff):
    return (
        # Every version: a file superseded after a 退回修改 follows the same rule.
        Attachment.versions.filter(uploaded_at__lt=cutoff, purged_at=None)
        .select_related("application__student", "application__program")
        .order_by("uploaded_at", "pk")
    )


def purge_attachments(*, cutoff, dry_run=False):
    """Remove the files uploaded before `cutoff` from storage and mark their rows purged.

    Each row is locked and re-checked, so a concurrent purge never removes twice; the file
    is deleted only after the row's change is committed (a rolled-back purge keeps it).
    """
    due = list(due_for_purge(cutoff))
    if dry_run:
        return PurgeResult(purged=due, bytes=sum(a.size for a in due))
    purged = []
    for candidate in due:
        with transaction.atomic():
            attachment = (
                Attachment.versions.select_for_update()
                .filter(pk=candidate.pk, purged_at=None)
                .first()
            )
            if attachment is None:
                continue
            storage, name = attachment.file.storage, attachment.file.name
            attachment.file = ""
            attachment.purged_at = timezone.now()
            attachment.save(update_fields=["file", "purged_at"])
            # The application's pages (and their cached parts) now show the file as removed.
            Application.objects.filter(pk=attachment.application_id).update(
                updated_at=attachment.purged_at
            )
            fragments.forget_list([candidate.application.student_id])  # no signal sent
            row_cache.forget([(candidate.application.student_id, attachment.application_id)])
            if name:
                transaction.on_commit(
                    lambda storage=storage, name=name: storage.delete(name), robust=True
                )
        purged.append(candidate)
    return PurgeResult(purged=purged, bytes=sum(a.size for a in purged))
