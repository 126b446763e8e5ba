"""The Redis cache with its near cache, for the tests of what other processes are told
(apps/core/cache.py): the default cache on Redis, as a redis:// CACHE_URL selects, and
what is published on its channel."""

import uuid
from contextlib import contextmanager

import pytest
import redis

from apps.core.cache import SEPARATOR, RedisCache
from tests.concurrency import wait_until

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_or_skip():
    """Redis itself, to look behind the caches' backs."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


def listening(cache):
    memory = cache._cache.memory()
    assert wait_until(lambda: memory.listening), "the listener never subscribed"
    return memory


def default_on_redis(settings):
    """The default cache on Redis under a prefix of this test's own, and the same cache
    as another process has it (its own memory and listener): (default, other)."""
    from django.core.cache import cache

    prefix = f"near-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    other = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    listening(cache), listening(other)
    return cache, other


@contextmanager
def published(raw, cache):
    """The messages published on `cache`'s channel while inside, each a set of the keys it
    carried, as `cache` names them (other tests' messages on the same channel left out)."""
    channel = cache._cache._channel
    prefix = cache.make_key("").encode()
    pubsub = raw.pubsub()
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=30)["type"] == "subscribe"
    messages = []
    try:
        yield messages
        # A message published before this one (its write answered) arrives before it.
        end = uuid.uuid4().hex.encode()
        raw.publish(channel, end)
        while (message := pubsub.get_message(timeout=30)) is not None:
            if message["data"] == end:
                break
            keys = message["data"].split(SEPARATOR)
            if any(key.startswith(prefix) for key in keys):
                messages.append({key.decode()[len(prefix) :] for key in keys})
        else:
            raise AssertionError("the end of the messages never came")
    finally:
        pubsub.close()
