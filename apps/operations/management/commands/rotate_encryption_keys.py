"""Re-encrypt every encrypted value with the newest key, so that old keys can be dropped."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core import crypto
from apps.core.fields import EncryptedCharField


def encrypted_fields():
    """(model, [field names]) for every model with an EncryptedCharField."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if names:
            yield model, names


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        crypto.multifernet()  # unusable keys fail here, before any row is touched
        for model, names in encrypted_fields():
            rotated = 0
            # Values go through the model field (decrypted with any key, encrypted with the
            # newest), a row lock each, so a concurrent save is never overwritten.
            pks = list(model._base_manager.values_list("pk", flat=True))
            for pk in pks:
                with transaction.atomic():
                    row = model._base_manager.select_for_update().filter(pk=pk).first()
                    if row is None:
                        continue
                    changed = [name for name in names if getattr(row, name)]
                    if changed:
                        # Saving encrypts again; Fernet uses the first key.
                        model._base_manager.filter(pk=pk).update(
                            **{name: getattr(row, name) for name in changed}
                        )
                        rotated += 1
            label = model._meta.label
            self.stdout.write(f"{label}: {rotated} row(s) re-encrypted ({', '.join(names)}).")
