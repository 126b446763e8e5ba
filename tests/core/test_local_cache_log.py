"""The embedded default's cache between processes (apps/core/local_cache.py): each keeps its
own memory, and what one forgets or changes, the others are told through the log in a
shared file. The other process here is a real one (spawned, or forked)."""

import multiprocessing

import pytest

from apps.core.local_cache import InvalidationLog, LocMemCache, key_hash


def _run(name, path, operations):
    """In another process: the same cache (name, log file), these calls made on it."""
    cache = LocMemCache(name, {"OPTIONS": {"LOG": path}})
    return [getattr(cache, method)(*args) for method, *args in operations]


@pytest.fixture(scope="module")
def other_process():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


@pytest.fixture
def log_path(tmp_path):
    return str(tmp_path / "cache-log")


@pytest.fixture
def here(request, log_path):
    return LocMemCache(request.node.name, {"OPTIONS": {"LOG": log_path}})


@pytest.fixture
def elsewhere(request, log_path, other_process):
    """Calls made on the same cache in another process; their results."""

    def run(*operations):
        return other_process.apply(_run, (request.node.name, log_path, list(operations)))

    return run


def test_a_key_deleted_in_another_process_is_forgotten_here(here, elsewhere):
    here.set("signed-in-user:7", "the user", 60)
    here.set_many({"list:7": "rows", "row:9": "row", "catalog:version": "v1"}, 60)

    elsewhere(("delete", "signed-in-user:7"), ("delete_many", ["list:7", "row:9"]))

    assert here.get("signed-in-user:7") is None
    assert here.get_many(["list:7", "row:9"]) == {}
    assert here.get("catalog:version") == "v1"  # not forgotten anywhere


def test_a_value_changed_in_another_process_is_read_again_here(here, elsewhere):
    """A session saved by another worker: this one's copy is dropped (and read again)."""
    here.set("session:abc", {"language": "zh-hans"}, 60)

    elsewhere(
        ("set", "session:abc", {"language": "zh-hans"}, 60),  # its own fill: nothing told
        ("set", "session:abc", {"language": "en"}, 60),  # a change of what it held
    )

    assert here.get("session:abc") is None


def test_a_delete_left_to_the_commit_is_not_told_until_then(here, elsewhere):
    """cache_versions.forget in a transaction: the writer drops the keys at once for its own
    reads; the others keep what the committed rows say until the commit's delete."""
    here.set("row:9", "committed", 60)

    assert elsewhere(
        ("set", "row:9", "committed", 60),
        ("delete_many_unpublished", ["row:9"]),
        ("get", "row:9"),
    ) == [None, None, None]
    assert here.get("row:9") == "committed"

    elsewhere(("delete_many", ["row:9"]))  # committed
    assert here.get("row:9") is None


def test_a_fill_in_another_process_leaves_this_ones_copy(here, elsewhere):
    """Two workers that read the same page each keep theirs: neither drops the other's
    (else two processes would drop each other's copy on every read)."""
    here.set("catalog:page", "rendered here", 60)

    assert elsewhere(("set", "catalog:page", "rendered there", 60), ("add", "edge", 1)) == [
        None,
        True,
    ]

    assert here.get("catalog:page") == "rendered here"


def test_a_count_or_a_clear_in_another_process_reaches_this_one(here, elsewhere):
    here.set("count", 1, 60)
    here.set("other", "x", 60)

    elsewhere(("set", "count", 5, 60), ("incr", "count"))
    assert here.get("count") is None and here.get("other") == "x"

    elsewhere(("clear",))
    assert here.get("other") is None


def test_a_forked_worker_tells_its_parent(here):
    """gunicorn forks its workers: a child writes under its own process id (and lock), so
    that what it forgets is news to the parent."""
    here.set("session:abc", "signed in", 60)
    context = multiprocessing.get_context("fork")
    child = context.Process(target=here.delete, args=("session:abc",))
    child.start()
    child.join()
    assert child.exitcode == 0

    assert here.get("session:abc") is None


def test_keys_this_process_forgot_are_not_news_to_it(tmp_path):
    log = InvalidationLog(tmp_path / "log")
    other = InvalidationLog(tmp_path / "log")
    other.pid = log.pid + 1
    log.write([key_hash("a")])
    other.write([key_hash("b")])
    log.write([key_hash("c")])
    assert log.news() == [key_hash("b")]


def test_a_process_that_fell_behind_the_ring_forgets_everything(tmp_path):
    mine = InvalidationLog(tmp_path / "log", slots=4)
    theirs = InvalidationLog(tmp_path / "log", slots=4)
    theirs.pid = mine.pid + 1  # another process's writes

    theirs.write([key_hash("a"), key_hash("b")])
    assert mine.news() == [key_hash("a"), key_hash("b")]
    assert mine.news() == ()

    theirs.write([key_hash(str(n)) for n in range(5)])  # more than the ring holds
    assert mine.news() is None
    theirs.write([key_hash("c")])
    assert mine.news() == [key_hash("c")]


def test_without_a_log_the_cache_is_this_process_only(request):
    cache = LocMemCache(request.node.name, {})
    assert not cache.shared_across_processes
    cache.set("a", 1, 60)
    cache.delete("a")
    assert cache.get("a") is None
