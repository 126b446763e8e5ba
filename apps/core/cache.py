"""Django's own Redis cache backend, with one client per pool and a near cache in front.

One client per pool: Django's RedisCacheClient makes a new `redis.Redis` client for every
cache call, and redis-py builds ~170 response callbacks in each client's constructor:
about 0.2 ms of CPU per call. A client is thread-safe and stateless beyond its pool, so
it is made once per pool instead.

The near cache (`NearCache`, on unless CACHE_NEAR=0): every signed-in request reads its
session, and most pages a version or two and a rendered fragment, from Redis; each read
is a round trip that costs more CPU than the rest of a small page (bench/RESULTS.md, issue
23). So each process keeps what it read, as the bytes Redis returned (unpickled again on
every hit, so no two requests share an object; an immutable value, such as a page cut at
its marks, is unpickled once and shared: `immutable`), until it is written anywhere:

- every write through this backend (set, add, delete, touch, incr, the *_many forms,
  clear), in any process (gunicorn workers, Celery, manage.py), publishes the keys on a
  Redis channel in the same round trip, and each process's listener thread drops them;
  but `delete_many_unpublished`, for a delete inside a transaction that a published one
  follows once it commits (apps.core.cache_versions.forget): until then the other
  processes may keep what Redis held, which is what the committed rows say;
- a read that an invalidation overtook is not kept (a counter of invalidations seen);
- a kept value never outlives its time to live in Redis, nor `CACHE_NEAR_SECONDS`;
- until the listener has subscribed, and from the moment its connection fails until it
  has subscribed again (when it forgets everything), nothing is served from memory;
- at most `CACHE_NEAR_MAX_BYTES` per process, least recently used out first.

What a process keeps can therefore be stale only for the time a published message takes
to reach it on the same machine's Redis (well under a millisecond), where a read from
Redis is stale for the time the reply takes. Redis 7.4's own client-side caching would do
the same; Debian 12 ships Redis 7.0, which redis-py's does not support.
"""

import os
import threading
import time
import weakref
from collections import OrderedDict
from contextlib import suppress

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

FLUSH = b"\x00*"  # published by clear(): forget everything
SEPARATOR = b"\x00\x00"  # between the keys of one message


class ReusedClientRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def delete_many_unpublished(self, keys):
        self.delete_many(keys)  # no near cache: nobody to tell


def immutable(value):
    """Whether `value` can be shared by every request that reads it: text, bytes, numbers,
    None, and tuples of them (a subclass only without attributes of its own, as Django's
    SafeString)."""
    if isinstance(value, tuple):
        return not hasattr(value, "__dict__") and all(immutable(v) for v in value)
    return isinstance(value, (str, bytes, int, float, type(None))) and not hasattr(
        value, "__dict__"
    )


_UNLOADED = object()
MISSING = object()


class _Memory:
    """What one process keeps: key -> [raw bytes, monotonic deadline, the value when it
    is immutable], LRU, bounded by the raw bytes."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.items = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.invalidations = 0  # how many keys were dropped by a write, ever
        self.listening = False  # subscribed since the last failure

    def get(self, key):
        item = self._item(key)
        return None if item is None else item[0]

    def value(self, key, loads):
        """The value kept for `key` (MISSING if none), unpickled by `loads`; an immutable
        one only once."""
        item = self._item(key)
        if item is None:
            return MISSING
        value = item[2]
        if value is _UNLOADED:
            value = loads(item[0])
            if immutable(value):
                item[2] = value
        return value

    def _item(self, key):
        if not self.listening:
            return None
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            if item[1] <= time.monotonic():
                self._pop(key)
                return None
            self.items.move_to_end(key)
            return item

    def keep(self, key, raw, seconds, seen):
        if not self.listening or seconds <= 0 or len(raw) > self.max_bytes // 8:
            return
        with self.lock:
            if self.invalidations != seen:  # a write overtook this read
                return
            self._pop(key)
            self.items[key] = [raw, time.monotonic() + seconds, _UNLOADED]
            self.size += len(raw)
            while self.size > self.max_bytes:
                self._pop(next(iter(self.items)))

    def drop(self, keys):
        with self.lock:
            self.invalidations += 1
            for key in keys:
                if key == FLUSH:
                    self.items.clear()
                    self.size = 0
                else:
                    self._pop(key)

    def forget_all(self, listening):
        with self.lock:
            self.invalidations += 1
            self.items.clear()
            self.size = 0
            self.listening = listening

    def _pop(self, key):
        item = self.items.pop(key, None)
        if item is not None:
            self.size -= len(item[0])


def _listen(owner, client, channel, memory):
    """Drop what any process writes, until the cache that started this is gone."""
    while owner() is not None:
        pubsub = None
        try:
            pubsub = client.pubsub()
            pubsub.subscribe(channel)
            while owner() is not None:
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    memory.forget_all(listening=True)
                elif message["type"] == "message":
                    memory.drop(message["data"].split(SEPARATOR))
        except Exception:  # any failure: forget, wait, subscribe again
            memory.forget_all(listening=False)
            time.sleep(1)
        finally:
            if pubsub is not None:
                with suppress(Exception):
                    pubsub.close()
    memory.forget_all(listening=False)


class NearCacheClient(ReusedClientRedisCacheClient):
    def __init__(self, servers, near_seconds=60, near_max_bytes=32 << 20, **options):
        super().__init__(servers, **options)
        self._near_seconds = near_seconds
        self._near_max_bytes = near_max_bytes
        self._channel = f"portal-near-cache:{servers[0]}"
        self._memory = None
        self._pid = None
        self._listener_lock = threading.Lock()

    # --- the listener -------------------------------------------------------------
    def memory(self):
        """This process's memory, its listener started on first use (after a fork too)."""
        if self._pid != os.getpid():
            with self._listener_lock:
                if self._pid != os.getpid():
                    self._memory = _Memory(self._near_max_bytes)
                    threading.Thread(
                        target=_listen,
                        args=(weakref.ref(self), self.get_client(write=True), self._channel),
                        kwargs={"memory": self._memory},
                        daemon=True,
                        name="near-cache-listener",
                    ).start()
                    self._pid = os.getpid()
        return self._memory

    def _published(self, keys, write):
        """Run `write(pipeline)` and publish `keys` in the same round trip; forget them here."""
        memory = self.memory()
        memory.drop(keys)
        pipeline = self.get_client(write=True).pipeline(transaction=False)
        write(pipeline)
        pipeline.publish(self._channel, SEPARATOR.join(keys))
        results = pipeline.execute()
        memory.drop(keys)
        return results

    @staticmethod
    def _key(key):
        return key.encode() if isinstance(key, str) else key

    # --- reads --------------------------------------------------------------------
    def _fetch(self, memory, keys):
        """Raw values of `keys` from Redis (None when missing), kept for the next reads."""
        seen = memory.invalidations
        pipeline = self.get_client(None).pipeline(transaction=False)
        for key in keys:
            pipeline.get(key)
            pipeline.pttl(key)
        replies = pipeline.execute()
        values = {}
        for key, raw, pttl in zip(keys, replies[::2], replies[1::2], strict=True):
            values[key] = raw
            if raw is not None:
                seconds = self._near_seconds if pttl < 0 else min(pttl / 1000, self._near_seconds)
                memory.keep(self._key(key), raw, seconds, seen)
        return values

    def get(self, key, default):
        memory = self.memory()
        value = memory.value(self._key(key), self._serializer.loads)
        if value is not MISSING:
            return value
        raw = self._fetch(memory, [key])[key]
        return default if raw is None else self._serializer.loads(raw)

    def get_many(self, keys):
        memory = self.memory()
        values, missing = {}, []
        for key in keys:
            value = memory.value(self._key(key), self._serializer.loads)
            if value is MISSING:
                missing.append(key)
            else:
                values[key] = value
        if missing:
            raws = self._fetch(memory, missing)
            values.update({k: self._serializer.loads(v) for k, v in raws.items() if v is not None})
        return values

    def has_key(self, key):
        if self.memory().get(self._key(key)) is not None:
            return True
        return super().has_key(key)

    # --- writes: each publishes its keys --------------------------------------------
    def add(self, key, value, timeout):
        if timeout == 0:  # set and deleted at once, as Django does: nothing to forget
            return super().add(key, value, timeout)
        value = self._serializer.dumps(value)
        (ret, _) = self._published(
            [self._key(key)], lambda p: p.set(key, value, ex=timeout, nx=True)
        )
        return bool(ret)

    def set(self, key, value, timeout):
        value = self._serializer.dumps(value)
        if timeout == 0:
            self._published([self._key(key)], lambda p: p.delete(key))
        else:
            self._published([self._key(key)], lambda p: p.set(key, value, ex=timeout))

    def touch(self, key, timeout):
        if timeout is None:
            (ret, _) = self._published([self._key(key)], lambda p: p.persist(key))
        else:
            (ret, _) = self._published([self._key(key)], lambda p: p.expire(key, timeout))
        return bool(ret)

    def delete(self, key):
        (ret, _) = self._published([self._key(key)], lambda p: p.delete(key))
        return bool(ret)

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        if not client.exists(key):
            raise ValueError(f"Key '{key}' not found.")
        (ret, _) = self._published([self._key(key)], lambda p: p.incr(key, delta))
        return ret

    def set_many(self, data, timeout):
        data = {k: self._serializer.dumps(v) for k, v in data.items()}

        def write(pipeline):
            pipeline.mset(data)
            if timeout is not None:
                for key in data:
                    pipeline.expire(key, timeout)

        self._published([self._key(k) for k in data], write)

    def delete_many(self, keys):
        keys = list(keys)
        if keys:
            self._published([self._key(k) for k in keys], lambda p: p.delete(*keys))

    def clear(self):
        (ret, _) = self._published([FLUSH], lambda p: p.flushdb())
        return bool(ret)

    def delete_many_unpublished(self, keys):
        """Delete `keys` in Redis and in this process's memory, and tell no other process:
        only for a delete that a published one of the same keys follows."""
        keys = list(keys)
        if keys:
            memory = self.memory()
            raw = [self._key(k) for k in keys]
            memory.drop(raw)
            self.get_client(write=True).delete(*keys)
            memory.drop(raw)  # a read by another thread that the delete overtook


class _AnyKey:
    """No check of each key for what memcached refuses (control characters, spaces, over
    250 characters): a warning for a backend the portal does not use, ~3 µs per key and
    half a dozen keys per page. Redis and local memory take any key."""

    def validate_key(self, key):
        pass


class RedisCache(_AnyKey, DjangoRedisCache):
    """Selected by settings for a redis:// CACHE_URL; OPTIONS["near_seconds"] = 0 turns
    the near cache off (CACHE_NEAR=0)."""

    # Every process reads and writes the same entries (apps.accounts.user_cache keeps
    # users only in such a cache: a deletion here reaches every process).
    shared_across_processes = True

    def __init__(self, server, params):
        super().__init__(server, params)
        self._options = dict(self._options)
        if self._options.get("near_seconds", 60):
            self._class = NearCacheClient
        else:
            self._class = ReusedClientRedisCacheClient
            self._options.pop("near_seconds", None)
            self._options.pop("near_max_bytes", None)

    def delete_many_unpublished(self, keys, version=None):
        """`delete_many`, without telling the other processes' near caches: for a delete in
        a transaction that a published delete of the same keys follows once it commits
        (apps.core.cache_versions.forget). Until then they may keep what Redis held, which
        is what the committed rows say; a rollback leaves it right."""
        if keys:
            self._cache.delete_many_unpublished(
                [self.make_and_validate_key(key, version=version) for key in keys]
            )
