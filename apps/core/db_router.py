"""Reads of the heavy read-only pages from a read replica (DATABASE_REPLICA_URL), when set.

Nothing goes to the replica unless a view asks for it explicitly: `@reads_from_replica`
on a view (the catalog, the statistics, the exports), or `with replica_reads():` around
the reads of one part of a view. Even then the primary answers
- every write, and every read after a write in the same request;
- every read inside a transaction (`atomic`), which may have written;
- every request that is not GET or HEAD;
- every request of a browser that sent a POST (or PUT, PATCH, DELETE) in the last
  `DATABASE_REPLICA_STICKY_SECONDS` (read-your-own-writes: the student who just saved sees
  the change, whatever the replica's lag). The mark is a signed cookie, so it holds on
  whichever node serves the next request.
With no replica configured there is no router and no cookie: one database, as before.
Migrations run on the primary only (the replica copies them).
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, router
from django.http import FileResponse

REPLICA = "replica"
STICKY_COOKIE = "portal_primary"
_SALT = "apps.core.db_router.sticky"


class _Reads:
    wrote = False


_replica_reads = contextvars.ContextVar("replica_reads", default=None)


@contextmanager
def replica_reads():
    """The reads inside may go to the replica (until something writes)."""
    token = _replica_reads.set(_Reads())
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """DATABASE_ROUTERS entry, set by settings.py when DATABASE_REPLICA_URL is."""

    def db_for_read(self, model, **hints):
        reads = _replica_reads.get()
        if reads is None or reads.wrote or connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        if reads := _replica_reads.get():
            reads.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def replica_in_use():
    return REPLICA in connections.settings and any(
        isinstance(r, ReplicaRouter) for r in router.routers
    )


def wrote_recently(request):
    """Whether this browser changed something within the sticky window."""
    seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
    mark = request.get_signed_cookie(STICKY_COOKIE, default=None, salt=_SALT, max_age=seconds)
    return mark is not None


def may_read_replica(request):
    """Whether the reads of `request` may go to the replica (see the module's rules)."""
    return request.method in ("GET", "HEAD") and not wrote_recently(request)


def _each_step_on_replica(chunks):
    """A streamed body (CSV export) is produced after the view returns: each chunk is
    computed with the replica allowed, as the view was."""
    iterator = iter(chunks)
    while True:
        with replica_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def reads_from_replica(view):
    """View decorator: the view's reads (its template and streamed body included) may go
    to the replica, unless this request or this browser's recent ones wrote."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_read_replica(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = _each_step_on_replica(response.streaming_content)
        return response

    return wrapper


class ReadYourWritesMiddleware:
    """Marks a browser that sent a POST (or another unsafe method) so that its next reads,
    on any node, come from the primary for DATABASE_REPLICA_STICKY_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and replica_in_use():
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=_SALT,
                max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
