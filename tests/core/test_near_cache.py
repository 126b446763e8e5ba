"""The near cache in front of Redis (apps/core/cache.py): each process keeps what it read
until any process writes it. Two cache objects stand for two processes: each has its own
memory and its own listener, as two gunicorn workers have."""

import uuid
from contextlib import suppress

import pytest
from django.db import transaction

from apps.core import cache_versions
from apps.core.cache import NearCacheClient, RedisCache, _Memory
from tests.concurrency import wait_until
from tests.near_cache import REDIS_URL, default_on_redis, published, redis_or_skip
from tests.near_cache import listening as _listening


def _cache(prefix, **options):
    return RedisCache(REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": options})


@pytest.fixture
def raw():
    """Redis itself, to change a value behind the caches' backs."""
    return redis_or_skip()


@pytest.fixture
def two_processes(raw):
    prefix = f"near-{uuid.uuid4().hex[:8]}"
    first, second = _cache(prefix), _cache(prefix)
    _listening(first), _listening(second)
    yield first, second
    first.clear()


def _written(reader, write):
    """Do `write`, and wait until `reader` has been told (its message is on its way when
    the write returns: a value read before it arrives would be dropped by it)."""
    memory = reader._cache.memory()
    before = memory.invalidations
    write()
    assert wait_until(lambda: memory.invalidations > before), "the write was never heard"


def _behind_their_backs(raw, cache, key, value):
    """Write `value` into Redis without telling anyone (as the serializer would store it)."""
    raw.set(cache.make_and_validate_key(key), cache._cache._serializer.dumps(value))


def test_a_redis_address_selects_the_near_cache_and_cache_near_0_turns_it_off(raw):
    assert isinstance(_cache("on")._cache, NearCacheClient)
    off = _cache("off", near_seconds=0)
    assert not isinstance(off._cache, NearCacheClient)
    off.set("k", 1, 30)
    assert off.get("k") == 1  # the near options are not handed to redis-py


def test_a_value_read_once_is_served_from_memory_until_someone_writes_it(two_processes, raw):
    writer, reader = two_processes
    _written(reader, lambda: writer.set("k", "first", 30))
    assert reader.get("k") == "first"
    _behind_their_backs(raw, reader, "k", "changed in Redis alone")
    assert reader.get("k") == "first"  # from memory: no round trip
    writer.set("k", "second", 30)
    assert wait_until(lambda: reader.get("k") == "second")


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.set("k", "new", 30),
        lambda c: c.delete("k"),
        lambda c: c.touch("k", 1000),
        lambda c: c.set_many({"k": "new", "other": 1}, 30),
        lambda c: c.delete_many(["k", "other"]),
        lambda c: c.clear(),
        lambda c: (c.delete("k"), c.add("k", "new", 30)),
    ],
    ids=["set", "delete", "touch", "set_many", "delete_many", "clear", "add"],
)
def test_every_kind_of_write_makes_other_processes_read_again(two_processes, raw, write):
    writer, reader = two_processes
    _written(reader, lambda: writer.set("k", "old", 30))
    assert reader.get("k") == "old"
    _written(reader, lambda: write(writer))
    _behind_their_backs(raw, reader, "k", "read again")
    assert reader.get("k") == "read again"


def test_a_counter_raised_anywhere_is_seen_everywhere(two_processes):
    writer, reader = two_processes
    writer.set("n", 1, 30)
    assert reader.get("n") == 1
    assert writer.incr("n") == 2
    assert wait_until(lambda: reader.get("n") == 2)


def test_the_writer_itself_never_reads_its_old_value(two_processes):
    writer, _ = two_processes
    writer.set("k", "old", 30)
    assert writer.get("k") == "old"
    writer.set("k", "new", 30)
    assert writer.get("k") == "new"  # no waiting: its own memory was cleared first
    writer.delete("k")
    assert writer.get("k") is None
    assert writer.get_many(["k"]) == {}


def test_each_read_gets_its_own_object(two_processes):
    _, reader = two_processes
    reader.set("d", {"names": ["张三"]}, 30)
    first = reader.get("d")
    first["names"].append("changed by one request")
    assert reader.get("d") == {"names": ["张三"]}


def test_get_many_mixes_memory_and_redis(two_processes, raw):
    writer, reader = two_processes
    _written(reader, lambda: writer.set_many({"a": 1, "b": 2}, 30))
    assert reader.get("a") == 1  # now in memory
    _behind_their_backs(raw, reader, "a", "changed in Redis alone")
    assert reader.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert reader.has_key("b") and not reader.has_key("missing")


def test_a_value_is_not_kept_beyond_its_time_to_live_in_redis(two_processes):
    writer, reader = two_processes
    writer.set("short", "soon gone", 1)
    assert reader.get("short") == "soon gone"
    assert wait_until(lambda: reader.get("short") is None)


def test_a_read_that_a_write_overtook_is_not_kept():
    memory = _Memory(max_bytes=1 << 20)
    memory.listening = True
    seen = memory.invalidations  # a read starts
    memory.drop([b"k"])  # a write's message arrives while the reply is on its way
    memory.keep(b"k", b"old", 30, seen)
    assert memory.get(b"k") is None
    memory.keep(b"k", b"new", 30, memory.invalidations)
    assert memory.get(b"k") == b"new"


def test_memory_stays_within_its_bytes_least_recently_used_out_first():
    memory = _Memory(max_bytes=800)
    memory.listening = True
    for name in (b"a", b"b", b"c"):
        memory.keep(name, b"x" * 100, 30, memory.invalidations)
    assert memory.get(b"a") == b"x" * 100  # a is now the most recently used
    for name in (b"d", b"e", b"f", b"g", b"h", b"i"):
        memory.keep(name, b"x" * 100, 30, memory.invalidations)
    assert memory.size <= 800
    assert memory.get(b"b") is None and memory.get(b"a") is not None
    memory.keep(b"huge", b"x" * 400, 30, memory.invalidations)  # over an eighth: never kept
    assert memory.get(b"huge") is None


def test_nothing_comes_from_memory_while_the_listener_is_not_subscribed(two_processes, raw):
    writer, reader = two_processes
    _written(reader, lambda: writer.set("k", "old", 30))
    assert reader.get("k") == "old"
    memory = reader._cache.memory()
    memory.forget_all(listening=False)  # as when its connection fails
    _behind_their_backs(raw, reader, "k", "from Redis")
    assert reader.get("k") == "from Redis"
    assert memory.items == {}  # and nothing kept until it has subscribed again


def test_a_listener_whose_connection_is_cut_forgets_everything_and_subscribes_again(
    two_processes, raw
):
    writer, reader = two_processes
    _written(reader, lambda: writer.set("k", "old", 30))
    assert reader.get("k") == "old"
    memory = reader._cache.memory()
    before = memory.invalidations
    raw.client_kill_filter(_type="pubsub")  # every listener's connection, as a restart would
    assert wait_until(lambda: memory.invalidations > before and memory.listening)
    _behind_their_backs(raw, reader, "k", "after the cut")
    assert reader.get("k") == "after the cut"
    writer.set("k", "newest", 30)  # and invalidations reach it again
    assert wait_until(lambda: reader.get("k") == "newest")


@pytest.mark.django_db
def test_a_session_signed_out_in_one_process_is_gone_in_the_others(two_processes):
    """The session store (cached_db) reads through the near cache: a sign-out in one
    worker (the session deleted) reaches a worker that had the session in memory."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    class In(SessionStore):
        def __init__(self, cache, session_key=None):
            super().__init__(session_key)
            self._cache = cache

    first, second = two_processes
    signed_in = In(first)
    signed_in["_auth_user_id"] = "42"
    _written(second, signed_in.save)
    key = signed_in.session_key
    assert In(second, key).load()["_auth_user_id"] == "42"  # now in the second's memory

    _written(second, In(first, key).delete)  # 退出 on the first worker

    assert In(second, key).load() == {}  # the second reads Redis and the database: gone


def test_an_immutable_value_is_unpickled_once_and_a_mutable_one_on_every_read(two_processes):
    writer, reader = two_processes
    page = ("<p>", "csrf", "</p>" * 100)
    _written(reader, lambda: writer.set_many({"page": page, "rows": [[1, "draft"]]}, 30))
    assert reader.get("page") == page  # from Redis, kept
    first, second = reader.get("page"), reader.get("page")
    assert first == page and first is second  # shared: nothing in it can change
    rows = reader.get("rows")
    rows.append("changed by one request")
    assert reader.get("rows") == [[1, "draft"]]  # the next request reads its own copy
    assert reader.get_many(["page", "rows"]) == {"page": page, "rows": [[1, "draft"]]}
    writer.set("page", ("<p>", "new"), 30)
    assert wait_until(lambda: reader.get("page") == ("<p>", "new"))


def test_any_key_is_taken_without_memcacheds_warnings(two_processes, recwarn):
    writer, reader = two_processes
    key = "catalog page " + "x" * 300  # a space, and longer than memcached takes
    _written(reader, lambda: writer.set(key, "page", 30))
    assert reader.get(key) == "page"
    assert not recwarn.list


def test_a_delete_left_to_the_commit_to_tell_is_gone_for_the_writer_at_once_and_unheard(
    two_processes, raw
):
    """delete_many_unpublished: for cache_versions.forget's delete before the commit, which
    a published delete of the same keys follows once the transaction commits."""
    writer, reader = two_processes
    _written(reader, lambda: writer.set("k", "committed", 30))
    assert reader.get("k") == "committed"
    assert writer.get("k") == "committed"  # in the writer's memory too

    with published(raw, writer) as messages:
        writer.delete_many_unpublished(["k"])

    assert writer.get("k") is None  # its own memory and Redis
    assert not raw.exists(writer.make_and_validate_key("k"))
    assert messages == []
    assert reader.get("k") == "committed"  # what it kept: the committed rows' value


@pytest.fixture
def default_and_other(settings, raw):
    """The default cache on Redis (cache_versions writes through it), and another process's."""
    cache, other = default_on_redis(settings)
    _written(other, lambda: cache.set_many({"a": 1, "b": 2, "c": 3}, 30))
    assert other.get_many(["a", "b", "c"]) == {"a": 1, "b": 2, "c": 3}  # kept in its memory
    return cache, other


@pytest.mark.django_db(transaction=True)
def test_a_transaction_tells_what_it_forgot_once_when_it_commits(default_and_other, raw):
    cache, other = default_and_other
    with published(raw, cache) as messages, transaction.atomic():
        cache_versions.forget(["a", "b"])
        cache_versions.forget(["b", "c"])
        assert cache.get("a") is None  # the transaction's own reads: gone at once
        assert other.get("a") == 1  # the others keep the committed value until…
    assert messages == [{"a", "b", "c"}]  # …the commit: one message with every key
    assert wait_until(lambda: other.get_many(["a", "b", "c"]) == {})


@pytest.mark.django_db(transaction=True)
def test_what_is_forgotten_after_a_savepoint_rolled_back_is_still_told_at_commit(
    default_and_other, raw
):
    cache, other = default_and_other
    with published(raw, cache) as messages, transaction.atomic():
        with suppress(RuntimeError), transaction.atomic():
            cache_versions.forget(["a"])
            raise RuntimeError("rolled back, and its commit callbacks with it")
        cache_versions.forget(["b"])
    assert {"b"} in messages and len(messages) == 1
    assert wait_until(lambda: other.get("b") is None)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_forget_deletes_and_tells_once(default_and_other, raw):
    """A management command or a Celery task in autocommit: committed already."""
    cache, other = default_and_other
    with published(raw, cache) as messages:
        cache_versions.forget(["a", "b"])
    assert messages == [{"a", "b"}]
    assert wait_until(lambda: other.get_many(["a", "b"]) == {})


@pytest.mark.django_db
def test_each_batch_of_commit_callbacks_a_test_runs_tells_what_was_forgotten_before_it(
    default_and_other, raw, django_capture_on_commit_callbacks
):
    """The test's own transaction never commits: callbacks run by hand still tell."""
    cache, other = default_and_other
    with published(raw, cache) as messages:
        with django_capture_on_commit_callbacks(execute=True):
            cache_versions.forget(["a"])
        with django_capture_on_commit_callbacks(execute=True):
            cache_versions.forget(["b"])
    assert messages == [{"a"}, {"b"}]
