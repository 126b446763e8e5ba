"""bench/cost: CPU time per request of each benchmarked page, in-process.

A figure that a busy machine barely disturbs (CPU time of this process, not wall time),
for comparing a change before and after when the load benchmark is too noisy. Beside it,
the CPU time of the PostgreSQL backend serving this process (when the server runs on this
machine), the database's share of the same request:

    bench/cost [--repeat 200] [--batches 3]
    bench/cost --middleware healthz      # where a signed-in request's time goes (issue 23)
    bench/cost --embedded                # on bench/run --embedded's SQLite file, no Redis

Uses the benchmark's database and settings (DEBUG off, its Redis cache), warm caches;
with --embedded, the SQLite file and local-memory cache of `bench/run --embedded`.
"""

import argparse
import functools
import itertools
import os
import sys
import time

from . import server


def _post(client, url, bodies):
    """保存 as bench/run posts it: form-encoded, 联系电话 alternating (next(bodies))."""
    response = client.post(url, next(bodies), content_type="application/x-www-form-urlencoded")
    # A browser shows the message after the redirect; wrk never sends it back. Kept, the
    # cookie would grow by one message per request and its encoding cost with it.
    client.cookies.pop("messages", None)
    return response


def _profile(request, url, repeat):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        request(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        os.environ.get("COST_FILTER", ""), 45
    )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if os.environ.get("COST_CALLEES"):
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_callees(os.environ["COST_CALLEES"])


class _Timed:
    """A link of the middleware chain, timing the CPU spent in it and everything inside."""

    totals = {}

    def __init__(self, name, inner):
        self.name, self.inner = name, inner
        self.totals[name] = 0.0

    def __call__(self, request):
        start = time.process_time()
        try:
            return self.inner(request)
        finally:
            self.totals[self.name] += time.process_time() - start


def _middleware_breakdown(request, url, repeat):
    """CPU per request in each middleware (its own share: what it takes minus what the
    ones inside it take), in the view, and outside the chain (the test client, the
    handler), then the queries of one request."""
    from django.conf import settings
    from django.core.handlers import base
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    real = base.convert_exception_to_response
    names = iter([*(path.rpartition(".")[2] for path in reversed(settings.MIDDLEWARE))])

    def timed(inner):
        name = "view (URL resolution, the view, its template)"
        if getattr(inner, "__name__", "") != "_get_response":
            name = next(names)
        return real(_Timed(name, inner))

    handler = getattr(getattr(request, "__self__", None), "handler", None)
    if handler is None:  # a POST is a partial of _post, not the client's own method
        raise SystemExit("--middleware needs a GET page")
    base.convert_exception_to_response = timed
    try:
        handler.load_middleware()  # the test client's chain again, each link timed
    finally:
        base.convert_exception_to_response = real
    for _ in range(5):
        request(url)
    _Timed.totals.update(dict.fromkeys(_Timed.totals, 0.0))
    start = time.process_time()
    for _ in range(repeat):
        request(url)
    whole = (time.process_time() - start) / repeat * 1000
    chain = list(reversed(settings.MIDDLEWARE))  # innermost first
    inclusive = {name: total / repeat * 1000 for name, total in _Timed.totals.items()}
    view = inclusive.pop("view (URL resolution, the view, its template)")
    rows, inside = [], view
    for path in chain:
        name = path.rpartition(".")[2]
        rows.append((path, inclusive[name] - inside))
        inside = inclusive[name]
    print(f"{'CPU ms per request':>18}  where")
    print(f"{whole:18.3f}  the whole request, as bench/cost counts it")
    print(f"{whole - inside:18.3f}  outside the middleware (test client, handler, signals)")
    for path, ms in reversed(rows):
        print(f"{ms:18.3f}  {path}")
    print(f"{view:18.3f}  the view (URL resolution, the view, its template)")
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:  # not opened: the page does not use it
            continue
        with CaptureQueriesContext(connection) as queries:
            request(url)
        print(f"queries on {connection.alias!r} per request: {len(queries)}")
        for query in queries:
            print(f"    {query['sql'][:160]}")


def _backend_cpu():
    """(pid, CPU seconds so far) of this process's PostgreSQL backend, or None when the
    server is not on this machine (or not PostgreSQL): read from /proc, as `ps` would."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=200, help="requests per batch")
    p.add_argument("--batches", type=int, default=3, help="batches per page; the fastest counts")
    p.add_argument("--profile", metavar="PAGE", help="print cProfile's top functions for this page")
    p.add_argument(
        "--middleware",
        metavar="PAGE",
        help="CPU per request in each middleware and the view, and the queries, of this page",
    )
    p.add_argument(
        "--pages",
        help="only these pages (comma-separated, e.g. save_draft,healthz (signed in))",
    )
    p.add_argument(
        "--embedded",
        action="store_true",
        help="the SQLite file and local-memory cache seeded by bench/run --embedded",
    )
    args = p.parse_args(argv)
    config = server.BenchConfig.embedded_setup() if args.embedded else server.BenchConfig()
    os.environ.update(config.env())
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from apps.operations.scale import CLERKS
    from apps.programs.models import Program

    from .client import FormFields, save_bodies
    from .scenarios import _students

    student = _students(1)[0]
    mine = student.applications.order_by("pk")
    printable = mine.filter(status__in=["submitted", "approved", "rejected"]).first()
    draft = mine.filter(status="draft").first()
    program = printable.program
    clerk = get_user_model().objects.get(username=next(iter(CLERKS)))
    # The office's list for a program with a full page of applications.
    busy = (
        Program.objects.in_region(CLERKS[clerk.username])
        .annotate(n=Count("applications"))
        .order_by("-n")
        .first()
    )
    pages = [
        ("healthz (anonymous)", None, "/healthz/"),
        ("healthz (signed in)", student, "/healthz/"),
        ("home", student, "/"),
        ("catalog", student, "/programs/international/?page=2"),
        ("catalog_search", student, "/programs/international/?q=%E4%B8%9C%E4%BA%AC"),
        # 只看我符合条件的项目 (issue 25): the track's requirements judged per request.
        ("catalog_eligible", student, "/programs/international/?eligible=1&page=2"),
        ("program", student, f"/programs/{program.region}/{program.pk}/"),
        ("mylist", student, "/applications/"),
        ("details", student, f"/applications/{printable.pk}/"),
        ("edit (GET)", student, f"/applications/{draft.pk}/edit/"),
        ("pdf_cached", student, f"/applications/{printable.pk}/form.pdf"),
        ("admin_list", clerk, f"/admin/applications/application/?program={busy.pk}"),
        ("save_draft (POST)", student, f"/applications/{draft.pk}/edit/"),
    ]
    print(f"{'page':22} {'status':>6} {'cpu ms':>8} {'wall ms':>8} {'db cpu ms':>9}")
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [page for page in pages if {page[0], page[0].split(" ")[0]} & wanted]
    for name, user, url in pages:
        client = Client()
        if user:
            client.force_login(user)
        request = client.get
        if "POST" in name:
            form = FormFields("application-form")
            form.feed(client.get(url).content.decode())
            bodies = itertools.cycle(save_bodies(form.fields))
            request = functools.partial(_post, client, bodies=bodies)

        for _ in range(5):
            request(url)
        response = request(url)
        if args.profile or args.middleware:
            if name == args.profile or name.split(" ")[0] == args.profile:
                _profile(request, url, args.repeat)
            if name == args.middleware or name.split(" ")[0] == args.middleware:
                print(f"--- {name}")
                _middleware_breakdown(request, url, args.repeat)
            continue
        # The fastest of a few batches: on a shared virtual machine the speed drifts, and
        # a batch can only be slowed down by it, never sped up.
        batches = []
        for _ in range(args.batches):
            database = _backend_cpu()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.repeat):
                request(url)
            cpu = (time.process_time() - cpu) / args.repeat * 1000
            wall = (time.perf_counter() - wall) / args.repeat * 1000
            after = _backend_cpu()
            # Blank when the connection was not kept (another backend) or is not local.
            database = (
                (after[1] - database[1]) / args.repeat * 1000
                if None not in (database, after) and after[0] == database[0]
                else None
            )
            batches.append((cpu, wall, database))
        cpu, wall, database = min(batches, key=lambda batch: batch[:2])
        shown = f"{database:9.2f}" if database is not None else f"{'':9}"
        print(
            f"{name:22} {response.status_code:6} {cpu:8.2f} {wall:8.2f} {shown}",
            flush=True,
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
