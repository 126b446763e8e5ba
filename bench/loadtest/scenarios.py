"""What the virtual users do: one list of prepared requests per page of the benchmark.

The driver reads the seeded database (through Django, read-only) to choose students who
have both a draft and a printable application, the clerks' programs, and so on; then it
signs them in over HTTP and checks every prepared request once before any load.
"""

import os
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field

from . import client, submits
from .server import log
from .wrk import Req

SEARCHES = ["东京", "香港", "交换", "暑期", "大学", "墨尔本"]


def setup_django(config):
    os.environ.update(config.env())
    import django

    django.setup()


@dataclass
class Plan:
    pages: dict = field(default_factory=dict)  # name -> [Req]
    pdf_first_ms: list = field(default_factory=list)
    pdf_first_cpu_ms: list = field(default_factory=list)  # the gunicorn workers' CPU time
    sign_in_seconds: float = 0.0
    submit_pool: dict = field(default_factory=dict)  # student pk -> drafts to submit
    student_sessions: dict = field(default_factory=dict)  # student pk -> Session
    after_review_ms: list = field(default_factory=list)


def _students(count):
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from apps.applications.models import PRINTABLE_STATUSES, Application, Status
    from apps.operations.scale import STUDENT_PREFIX

    apps = Application.objects.filter(student=OuterRef("pk"))
    return list(
        get_user_model()
        .objects.filter(username__startswith=STUDENT_PREFIX)
        .filter(Exists(apps.filter(status=Status.DRAFT, program__closes_at__gt=time_now())))
        .filter(Exists(apps.filter(status__in=PRINTABLE_STATUSES)))
        .order_by("username")[:count]
    )


def time_now():
    from django.utils import timezone

    return timezone.now()


def build(config, students=32, server_cpu=None):
    """Sign in `students` students and the two clerks, and prepare every page's requests.
    `server_cpu()`, when given, is the CPU seconds the server has used (for the renders)."""
    from apps.applications.models import PRINTABLE_STATUSES, Application, Status
    from apps.operations.scale import CLERKS
    from apps.programs.models import Program, Region

    users = _students(students)
    if len(users) < students:
        raise SystemExit(f"only {len(users)} students with a draft and a submitted application")
    log(f"signing in {len(users)} students and {len(CLERKS)} clerks")
    sessions, seconds = client.sign_in_all(
        config.port, [u.username for u in users] + list(CLERKS), config.password
    )
    plan = Plan(sign_in_seconds=seconds)
    student_sessions = dict(zip([u.pk for u in users], sessions, strict=False))
    plan.student_sessions = student_sessions
    clerk_sessions = dict(zip(CLERKS.values(), sessions[len(users) :], strict=True))

    programs = list(Program.objects.published().filter(contact__isnull=False).order_by("pk")[:200])
    pages = plan.pages
    # The ceiling: a static string through the same middleware, for the same signed-in
    # students (the session and the user are loaded as for every page).
    pages["healthz"], pages["home"] = [], []
    pages["catalog"], pages["catalog_search"], pages["program"] = [], [], []
    pages["catalog_eligible"] = []
    pages["mylist"], pages["details"], pages["pdf_cached"] = [], [], []
    saves = []
    for n, user in enumerate(users):
        cookie = student_sessions[user.pk].cookie_header
        pages["healthz"].append(Req("/healthz/", cookie))
        pages["home"].append(Req("/", cookie))
        region = list(Region)[n % 2]
        page = n % 3 + 1
        pages["catalog"].append(Req(f"/programs/{region}/?page={page}", cookie))
        q = urllib.parse.quote(SEARCHES[n % len(SEARCHES)])
        pages["catalog_search"].append(Req(f"/programs/{region}/?q={q}", cookie))
        # 只看我符合条件的项目: every program has requirements (seed_scale), each student
        # their own facts, so students share a cached page only when their outcome is alike.
        pages["catalog_eligible"].append(Req(f"/programs/{region}/?eligible=on", cookie))
        for program in programs[n * 5 : n * 5 + 5]:
            pages["program"].append(Req(f"/programs/{program.region}/{program.pk}/", cookie))
        pages["mylist"].append(Req("/applications/", cookie))
        mine = Application.objects.filter(student=user)
        printable = mine.filter(status__in=PRINTABLE_STATUSES).order_by("pk").first()
        draft = mine.filter(status=Status.DRAFT, program__closes_at__gt=time_now()).first()
        pages["details"].append(Req(f"/applications/{printable.pk}/", cookie))
        pages["pdf_cached"].append(Req(f"/applications/{printable.pk}/form.pdf", cookie))
        bodies = client.draft_form_bodies(
            config.port, student_sessions[user.pk], f"/applications/{draft.pk}/edit/"
        )
        saves.append(
            [
                Req(f"/applications/{draft.pk}/edit/", cookie, "POST", body, expect=302)
                for body in bodies
            ]
        )
    # Every student's first body, then every second: each student's 保存 alternate, so
    # that every one of them changes the draft.
    pages["save_draft"] = [req for round_ in zip(*saves, strict=True) for req in round_]
    # Each clerk works through the lists of a few programs (8), as while reviewing.
    pages["admin_list"] = []
    for region, session in clerk_sessions.items():
        busy = (
            Program.objects.in_region(region)
            .filter(applications__status=Status.SUBMITTED)
            .values_list("pk", flat=True)
            .distinct()
            .order_by("pk")[:8]
        )
        pages["admin_list"] += [
            Req(f"/admin/applications/application/?program={pk}", session.cookie_header)
            for pk in busy
        ]
    # 提交 of complete drafts kept for it (bench/loadtest/submits.py).
    plan.submit_pool = submits.prepare_pool(users)
    pages["submit"] = submits.requests(config, plan.submit_pool, student_sessions)
    check(config, plan, server_cpu)
    return plan


def check(config, plan, server_cpu=None):
    """Every prepared request once, sequentially: the right answer, and not signed out.

    The first download of each PDF is its warm render (every worker has rendered before
    the timed ones): those times are the benchmark's pdf_warm_ms.
    """
    for name, requests in plan.pages.items():
        for n, req in enumerate(requests):
            if name not in ("pdf_cached",) and n >= 8:
                break
            http = client.Http(config.port, client.Session("", _cookies(req.cookie)))
            cpu = server_cpu() if server_cpu else 0.0
            started = time.perf_counter()
            status, location, body = http.request(req.method, req.path, req.body or None)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (server_cpu() - cpu) * 1000 if server_cpu else 0.0
            if status != req.expect or "/login/" in location or client.looks_signed_out(body):
                raise SystemExit(f"{name}: {req.method} {req.path} answered {status} {location}")
            if name == "pdf_cached":
                plan.pdf_first_ms.append(elapsed)
                plan.pdf_first_cpu_ms.append(cpu)


def _cookies(header):
    return dict(part.split("=", 1) for part in header.split("; ") if part)


def pdf_warm_ms(plan, workers, times=None):
    """Median of the first renders after each worker has had its cold one (the import):
    wall time, or `times` (plan.pdf_first_cpu_ms, the server's CPU time)."""
    times = plan.pdf_first_ms if times is None else times
    warm = times[workers:] or times
    return statistics.median(warm) if warm else 0.0


def mixed(plan):
    """The soak's mix: mostly reading, some saving and downloading, some office work."""
    weights = {
        "catalog": 4,
        "catalog_search": 2,
        "catalog_eligible": 1,
        "program": 3,
        "mylist": 2,
        "details": 2,
        "save_draft": 1,
        "pdf_cached": 1,
        "admin_list": 1,
        "healthz": 1,
    }
    mix = []
    for name, weight in weights.items():
        requests = plan.pages[name]
        for i in range(weight * 8):
            mix.append(requests[i % len(requests)])
    # Interleave so that each wrk thread gets every kind.
    return mix[::2] + mix[1::2]
