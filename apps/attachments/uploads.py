"""Helpers for pages that add and remove files of an application's slots."""

from collections import Counter

from django.conf import settings

from apps.core.validators import ascii_number


def posted_ids(values):
    """Primary keys from form values; anything else (², 10**30, "x") is ignored."""
    return [n for n in (ascii_number(v, max_digits=9) for v in values) if n is not None]


def room_per_slot(application, slots, removing=()):
    """How many more files each slot takes, counting the ones being removed as gone."""
    limit = settings.ATTACHMENT_MAX_FILES_PER_SLOT
    taken = Counter(
        application.attachments.filter(kind__in=slots)
        .exclude(pk__in=removing)
        .values_list("kind", flat=True)
    )
    return {kind: limit - taken[kind] for kind in slots}
