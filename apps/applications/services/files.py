"""A change's files: stored under a generated name, each slot within its limit, and deleted
again when the change fails, so that nothing is left on disk without its row."""

import logging
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.attachments.models import Attachment, AttachmentKind
from apps.core.storage import STORAGE_ERRORS

from .. import notifications
from ..models import Status
from .guards import ApplicationError, UploadNotStored

logger = logging.getLogger(__name__)


@contextmanager
def files_removed_on_failure():
    """Yields a list that `store_attachment` fills; if the block fails, those files are
    deleted again, so that a refused or rolled-back change leaves no orphan on disk."""
    stored = []
    try:
        yield stored
    except BaseException:
        discard_files(stored)
        raise


def discard_files(stored):
    for attachment in stored:
        with suppress(*STORAGE_ERRORS):
            attachment.file.storage.delete(attachment.file.name)
    stored.clear()


def replace_files_keeping_the_rest(application, slots, new_files, remove_ids, stored):
    """`replace_files` in a savepoint: when the storage fails, the change of files is undone
    (rows, removals and the files written so far) and the caller's other changes stay.
    Returns the `UploadNotStored` for the caller to raise once those are committed."""
    try:
        with transaction.atomic():
            replace_files(application, slots, new_files, remove_ids, stored)
    except UploadNotStored as failure:
        discard_files(stored)
        return failure
    return None


def replace_files(application, slots, new_files, remove_ids, stored):
    """Remove the listed files of `slots`, then store the new ones within the per-slot limit."""
    if remove_ids:
        removed = application.attachments.filter(pk__in=remove_ids, kind__in=slots)
        if application.status == Status.RETURNED:
            # Out for revision: the office compares with what it returned, so the old
            # version stays (for the office only) instead of being deleted.
            now = timezone.now()
            for attachment in removed:
                attachment.superseded_at = now
                attachment.save(update_fields=["superseded_at"])
        else:
            for attachment in removed:
                attachment.delete()

    if not new_files:
        return
    limit = settings.ATTACHMENT_MAX_FILES_PER_SLOT
    # One grouped count for every slot (a plain 保存 without uploads counts nothing).
    rows = application.attachments.filter(kind__in=slots).values("kind").annotate(n=Count("pk"))
    counts = dict.fromkeys(slots, 0) | {row["kind"]: row["n"] for row in rows.order_by()}
    for kind, uploaded, checked in new_files:
        if counts[kind] >= limit:
            raise ApplicationError(
                _("%(slot)s 最多上传 %(limit)s 个文件，请先删除不需要的文件。")
                % {"slot": AttachmentKind(kind).label, "limit": limit}
            )
        counts[kind] += 1
        store_attachment(application, kind, uploaded, checked, stored)


def store_attachment(application, kind, uploaded, checked, stored):
    """Write the file under a generated name, then its row; `stored` lists written files."""
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
    )
    storage = attachment.file.storage
    name = attachment.file.field.generate_filename(attachment, checked.name)
    try:
        attachment.file = storage.save(
            name, checked.file_to_store(uploaded), max_length=attachment.file.field.max_length
        )
    except STORAGE_ERRORS as error:
        # Django leaves a partly written file behind (ENOSPC mid-write): remove it.
        with suppress(*STORAGE_ERRORS):
            storage.delete(name)
        logger.error(
            "Could not store a file of application %s: %s",
            application.pk,
            notifications.describe_failure(error),
        )
        raise UploadNotStored(checked.name) from error
    stored.append(attachment)
    attachment.save()
    return attachment
