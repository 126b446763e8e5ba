"""Versions kept in the cache, for keys of cached content that follow what it shows.

A version is a random token under its own key: a key that includes it names one state of
what it covers, and whoever changes that deletes (or replaces) it, so the next reader
makes a new one and renders again. Never reused, so content cached under an old version
is simply never read again.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def current(key, timeout=None):
    """The version under `key`, made (once, however many ask at the same time) if none."""
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex[:12]
        cache.add(key, version, timeout)
        version = cache.get(key, version)
    return version


def forget(keys):
    """Delete `keys` now and again once the transaction commits: a request in between may
    have read the rows before the change and kept what it read."""
    keys = list(keys)
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
