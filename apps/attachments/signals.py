from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Attachment


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment-delete-file")
def delete_file_with_row(sender, instance, **kwargs):
    # Only once the row is really gone: a rolled-back delete keeps its file. A storage
    # that fails then (object storage unreachable) leaves an orphan file and a logged
    # error, never a failed request after its change was committed.
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name), robust=True)
