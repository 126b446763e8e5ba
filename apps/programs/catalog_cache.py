"""Cached catalog pages, correct to the second.

What a catalog page shows depends on three things only: the programs' rows, the query
(track, search, state, page, language) and the clock (a program moves from 未开始 to
报名中 to 停止报名 at its window's edges). So a cached page is keyed by

- a *version*, replaced whenever any program is saved or deleted (signals below;
  `QuerySet.update()` sends no signal, so code that updates programs in bulk calls
  `bump_version()`), and the query;

and lives no longer than the next window edge of any program (`seconds_valid`), found
with one indexed query per version and edge. Nothing per student is ever in it: the
page's header (who is signed in, messages) is rendered around the cached part.
"""

import hashlib
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation

from apps.core import cache_versions
from apps.core.release import release

from .models import Program, ProgramRequirement
from .requirements import rules_by_program

VERSION_KEY = "catalog:version"
MAX_SECONDS = 600


def version():
    return cache_versions.current(VERSION_KEY)


def bump_version():
    # Deleted, not replaced: the next reader makes a new one (apps/core/local_cache.py
    # tells other processes of a deletion, not of a value written over one they lack).
    cache.delete(VERSION_KEY)


@receiver(post_save, sender=Program, dispatch_uid="catalog-cache-program-saved")
@receiver(post_delete, sender=Program, dispatch_uid="catalog-cache-program-deleted")
@receiver(post_save, sender=ProgramRequirement, dispatch_uid="catalog-cache-requirement-saved")
@receiver(post_delete, sender=ProgramRequirement, dispatch_uid="catalog-cache-requirement-deleted")
def _program_changed(sender, **kwargs):
    bump_version()
    # Again once committed: a page rendered in between read the old rows under the new
    # version (the change was not visible yet).
    transaction.on_commit(bump_version)


def next_window_edge(now):
    """The next moment any program opens or closes (None if none will)."""
    edges = Program.objects.aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
    )
    future = [edge for edge in edges.values() if edge is not None]
    return min(future) if future else None


def seconds_valid(now=None):
    """How long a page rendered now stays right: until the next window edge, at most
    MAX_SECONDS (0: do not cache)."""
    now = now or timezone.now()
    key = f"catalog:{version()}:edge"
    edge = cache.get(key)
    if edge is None or (isinstance(edge, datetime) and edge <= now):
        edge = next_window_edge(now) or "none"
        ttl = MAX_SECONDS if edge == "none" else int((edge - now).total_seconds())
        if ttl > 0:
            cache.set(key, edge, min(ttl, MAX_SECONDS))
    if edge == "none":
        return MAX_SECONDS
    # Whole seconds, rounded down: a page never outlives the edge.
    return max(0, min(MAX_SECONDS, int((edge - now).total_seconds())))


def page_key(name, *parts):
    """A cache key for a catalog fragment: the version, the templates' release, the
    language and `parts`."""
    raw = "\x1f".join(str(p) for p in parts)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"catalog:{version()}:{release()}:{name}:{translation.get_language()}:{digest}"


def cached_fragment(name, parts, render, now=None):
    """The fragment `render()` makes for `parts`, from the cache while it is right."""
    key = page_key(name, *parts)
    html = cache.get(key)
    if html is None:
        ttl = seconds_valid(now)
        html = render()
        if ttl > 0:
            cache.set(key, html, ttl)
    return html


def program(pk):
    """The program's row as of the catalog's version (None if there is none): for the
    pages that show an application's program beside it, without a join per request."""
    return cached_fragment("program-row", [pk], lambda: Program.objects.filter(pk=pk).first())


def region_rules(region):
    """((program id, rules), …) of the track's published programs that have requirements,
    one query when not cached: what the catalog's 只看我符合条件的项目 judges."""
    programs = Program.objects.published().in_region(region)
    return cached_fragment(
        "region-rules", [region], lambda: tuple(sorted(rules_by_program(programs).items()))
    )
