"""The embedded default's local-memory cache (apps/core/cache.py, LocMemCache): Django's,
an immutable value unpickled once; everything else as Django's."""

import pytest

from apps.core.cache import immutable
from apps.core.local_cache import LocMemCache


@pytest.fixture
def cache(request):
    return LocMemCache(request.node.name, {})


def test_an_immutable_value_is_unpickled_once_and_replaced_by_a_write(cache):
    cache.set("page", ("<p>", "csrf", "</p>"), 30)
    first = cache.get("page")
    assert first == ("<p>", "csrf", "</p>") and cache.get("page") is first
    cache.set("page", ("<p>", "new"), 30)
    assert cache.get("page") == ("<p>", "new")


def test_a_mutable_value_is_a_copy_on_every_read(cache):
    cache.set("rows", [[1, "draft"]], 30)
    cache.get("rows").append("changed by one request")
    assert cache.get("rows") == [[1, "draft"]]


def test_a_kept_value_still_expires_counts_and_is_deleted(cache):
    cache.set("version", 1, 30)
    assert cache.get("version") == cache.get("version") == 1
    assert cache.incr("version") == 2 and cache.get("version") == 2
    cache.delete("version")
    assert cache.get("version") is None
    cache.set("gone", "x", -1)
    assert cache.get("gone") is None


@pytest.mark.parametrize(
    "value, shared",
    [
        ("text", True),
        (b"bytes", True),
        ((1, 2.5, None, ("nested", True)), True),
        ((1, [2]), False),
        ({"a": 1}, False),
        (frozenset({1}), False),
    ],
)
def test_only_values_no_request_can_change_are_shared(value, shared):
    assert immutable(value) is shared


def test_any_key_is_taken_without_memcacheds_warnings(cache, recwarn):
    key = "catalog page " + "x" * 300  # a space, and longer than memcached takes
    cache.set(key, "page", 30)
    assert cache.get(key) == "page"
    assert not recwarn.list
