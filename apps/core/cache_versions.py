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
    have read the rows before the change and kept what it read.

    What a transaction forgets is deleted at its commit in one write, which tells the
    other processes' near caches (apps/core/cache.py) at once; the deletes before it are
    for the transaction's own reads and tell no one: until the commit, the other processes
    may keep what the committed rows say. Outside a transaction, deleted once."""
    keys = list(keys)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))  # at once: committed
        return
    getattr(cache, "delete_many_unpublished", cache.delete_many)(keys)
    waiting = _waiting(connection)
    waiting.update(dict.fromkeys(keys))

    def forget_committed():
        # The first of a transaction's to run deletes every key its forget()s left
        # waiting; the others find nothing left.
        if waiting:
            committed = list(waiting)
            waiting.clear()
            cache.delete_many(committed)

    forget_committed.keys_waiting = waiting
    transaction.on_commit(forget_committed)


def _waiting(connection):
    """The keys waiting for this transaction's commit (those of a savepoint rolled back
    too: deleted for nothing, but never missed, as each forget() has its own callback)."""
    for _savepoints, callback, _robust in reversed(connection.run_on_commit):
        waiting = getattr(callback, "keys_waiting", None)
        if waiting is not None:
            return waiting
    return {}
