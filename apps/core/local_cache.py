"""The embedded default's cache: Django's local memory, each process's own, kept coherent
between the processes of one machine by a log of the keys they forget.

Local memory is each process's. Without more, several processes (gunicorn's workers)
each kept what it had read: a sign-out, a submitted application or a changed program
reached only the process that made it, and the user of a session could not be kept at
all (it was read from the database on every request, a fifth of a cached page's time:
bench/RESULTS.md, issue 23). So a process writes every key it forgets into a log that
all of them map into memory (`InvalidationLog`, a small file under var/), and each
reads the log's counter before it answers from memory (one 8-byte read, no system
call) and drops the keys that others forgot since it last looked.

What is logged is what changes a value others may hold:

- `delete` (and so `delete_many`, `cache_versions.forget`), `incr`/`decr`, `clear`;
- `set` of a key this process holds: a change of what it read (a session saved, a
  version replaced). A `set` or `add` of a key it does not hold fills its memory after a
  miss, as the others fill theirs; logging it would make two processes that read the
  same key drop each other's copy for ever.

The values themselves are not shared: what one process keeps for another to read (a
roster import's preview between its two steps) still needs Redis (checks.W002).
"""

import hashlib
import mmap
import os
import pickle
import struct
import threading
from contextlib import contextmanager
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache as DjangoLocMemCache

from .cache import _AnyKey, immutable

try:
    import fcntl
except ImportError:  # not on Windows: there the log is off (one process, runserver)
    fcntl = None

_MAGIC = b"portal-1"
_HEADER = struct.Struct("<8sQ")  # magic, how many keys were ever written
_SLOT = struct.Struct("<QI4x")  # a key's hash, the process that forgot it
_COUNT = struct.Struct("<Q")
_CLEAR = 0  # the hash written by clear(): forget everything


def key_hash(key):
    """The same 8 bytes for a key in every process (Python's own hash is salted per process);
    never 0, which stands for clear()."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1


class InvalidationLog:
    """A ring of the last `slots` forgotten keys' hashes in a shared file, and a counter of all
    ever written. Writers take the file's lock; readers take none and look at the counter:
    a reader that fell more than `slots` behind (or was overtaken while reading) forgets
    everything, which is always safe."""

    def __init__(self, path, slots=4096):
        self.path = Path(path)
        self.slots = slots
        self.size = _HEADER.size + slots * _SLOT.size
        self._open()
        self.seen = self.count()

    def _open(self):
        self.pid = os.getpid()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        with self._locked():
            header = os.pread(self._fd, _HEADER.size, 0)
            if len(header) < _HEADER.size or header[:8] != _MAGIC:
                os.ftruncate(self._fd, 0)
                os.ftruncate(self._fd, self.size)
                os.pwrite(self._fd, _HEADER.pack(_MAGIC, 0), 0)
            elif os.fstat(self._fd).st_size < self.size:
                os.ftruncate(self._fd, self.size)
        self._map = mmap.mmap(self._fd, self.size)

    def reopen_after_fork(self):
        # A child shares the parent's open file, and so its lock: its own, then. It keeps
        # what the parent had seen (and held): the keys forgotten since are still news.
        self._map.close()
        os.close(self._fd)
        self._open()

    @contextmanager
    def _locked(self):
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def count(self):
        return _COUNT.unpack_from(self._map, 8)[0]

    def write(self, hashes):
        with self._locked():
            count = self.count()
            caught_up = count == self.seen
            for hashed in hashes:
                offset = _HEADER.size + (count % self.slots) * _SLOT.size
                _SLOT.pack_into(self._map, offset, hashed, self.pid)
                count += 1
            _COUNT.pack_into(self._map, 8, count)  # after the slots: readers trust the counter
            if caught_up:
                self.seen = count  # nothing from others in between: no need to read its own

    def news(self):
        """The hashes others wrote since the last call, or None for "forget everything"
        (too many to read, or a clear()). An empty tuple when nothing was written."""
        count = self.count()
        if count == self.seen:
            return ()
        since, self.seen = self.seen, count
        if count - since > self.slots:
            return None
        hashes = []
        for position in range(since, count):
            offset = _HEADER.size + (position % self.slots) * _SLOT.size
            hashed, pid = _SLOT.unpack_from(self._map, offset)
            if pid != self.pid:
                hashes.append(hashed)
        if self.count() - since > self.slots or _CLEAR in hashes:
            return None  # overwritten while read
        return hashes


# Per cache name, as Django keeps the entries (every thread has its own backend object).
_logs = {}
_hashes = {}
_logs_lock = threading.Lock()


def _after_fork():
    for log in _logs.values():
        log.reopen_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class _Kept(bytes):
    """A pickled entry with its value, unpickled once (immutable values only)."""


class LocMemCache(_AnyKey, DjangoLocMemCache):
    """Django's local-memory cache with the log above (OPTIONS["LOG"]: its file; none, one
    process) and an immutable value (`immutable`: a page cut at its marks, a version)
    unpickled once instead of on every read (~0.01 ms for a 20 KB page)."""

    def __init__(self, name, params):
        super().__init__(name, params)
        path = params.get("OPTIONS", {}).get("LOG")
        self._log = None
        if path and fcntl is not None:
            with _logs_lock:
                if (name, str(path)) not in _logs:
                    _logs[name, str(path)] = InvalidationLog(path)
            self._log = _logs[name, str(path)]
        self._by_hash = _hashes.setdefault(name, {})

    @property
    def shared_across_processes(self):
        """Whether a key deleted here is deleted in every process (apps.accounts.user_cache
        keeps users only then)."""
        return self._log is not None

    def _catch_up(self):
        # Under the lock, so that two threads do not read the same news twice.
        news = self._log.news()
        if news == ():
            return
        if news is None:
            self._cache.clear()
            self._expire_info.clear()
            self._by_hash.clear()
            return
        for hashed in news:
            key = self._by_hash.pop(hashed, None)
            if key is not None:
                self._delete(key)

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        super()._set(key, value, timeout)
        if self._log is not None:
            if len(self._by_hash) > 4 * self._max_entries:
                self._by_hash.clear()
                self._by_hash.update((key_hash(k), k) for k in self._cache)
            self._by_hash[key_hash(key)] = key

    def _publish(self, keys):
        if self._log is not None and keys:
            self._log.write([key_hash(k) if k is not None else _CLEAR for k in keys])

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._log is not None:
                self._catch_up()
            if self._has_expired(key):
                self._delete(key)
                return default
            pickled = self._cache[key]
            self._cache.move_to_end(key, last=False)
        if type(pickled) is _Kept:
            return pickled.value
        value = pickle.loads(pickled)
        if immutable(value):
            kept = _Kept(pickled)
            kept.value = value
            with self._lock:
                if self._cache.get(key) is pickled:
                    self._cache[key] = kept
        return value

    def has_key(self, key, version=None):
        if self._log is not None:
            with self._lock:
                self._catch_up()
        return super().has_key(key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._log is not None:
            with self._lock:
                self._catch_up()
        return super().add(key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        pickled = pickle.dumps(value, self.pickle_protocol)
        with self._lock:
            held = False
            if self._log is not None:
                self._catch_up()
                held = not self._has_expired(key)
            self._set(key, pickled, timeout)
        if held:
            self._publish([key])

    def incr(self, key, delta=1, version=None):
        if self._log is not None:
            with self._lock:
                self._catch_up()
        value = super().incr(key, delta, version)
        self._publish([self.make_key(key, version=version)])
        return value

    def delete(self, key, version=None):
        deleted = super().delete(key, version)
        self._publish([self.make_key(key, version=version)])
        return deleted

    def delete_many(self, keys, version=None):
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        with self._lock:
            for key in keys:
                self._delete(key)
        self._publish(keys)

    def delete_many_unpublished(self, keys, version=None):
        """`delete_many`, not logged: for a delete in a transaction that a logged delete of
        the same keys follows once it commits (apps.core.cache_versions.forget). Until
        then the other processes may keep what the committed rows say."""
        with self._lock:
            for key in keys:
                self._delete(self.make_and_validate_key(key, version=version))

    def clear(self):
        super().clear()
        with self._lock:
            self._by_hash.clear()
        self._publish([None])
