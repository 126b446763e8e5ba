"""提交 under load, and the first 下载申请表 after a review with a worker running.

提交 moves a draft on for good, so the load needs drafts to spend: each bench student gets
a pool of complete drafts on open programs (made once, marked by their files' name, kept
between runs), put back to drafts before every slice. What a slice sent beyond its pool
would be answered "already submitted" at no cost: `reset` says how many were spent.

The review figure needs a worker, which the load run has not (no broker: 提交 is measured
as the embedded default serves it). So, after the load: a Celery worker on a Redis database
of the bench's own, this process publishing to it, a few pool drafts submitted and
approved here through the services the views call; once the worker has rendered each,
its student downloads it over HTTP, timed.
"""

import os
import statistics
import subprocess
import time
from pathlib import Path

from . import client
from .server import PYTHON, ROOT, log
from .wrk import Req

MARK = "bench-submit.pdf"  # the original name of the pool drafts' files
PER_STUDENT = 24
REVIEWED = 12


def _pool_queryset(users):
    from apps.applications.models import Application

    return Application.objects.filter(student__in=users, attachments__original_name=MARK).distinct()


def prepare_pool(users, per_student=PER_STUDENT):
    """{student pk: [application pk, ...]}: complete drafts on open programs, made if missing."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import PERSONAL_FIELDS
    from apps.applications.models import PRINTABLE_STATUSES, Application, Status
    from apps.applications.services import unmet_requirements
    from apps.attachments.models import Attachment, AttachmentKind
    from apps.operations.scale import FilePool
    from apps.programs.models import Program

    files = FilePool()
    now = timezone.now()
    open_programs = list(
        Program.objects.published()
        .filter(opens_at__lt=now, closes_at__gt=now + timedelta(days=1))
        .order_by("pk")
    )
    pool = {}
    with transaction.atomic():
        for user in users:
            mine = Application.objects.filter(student=user)
            have = list(_pool_queryset([user]).values_list("pk", flat=True))
            model = mine.filter(status__in=PRINTABLE_STATUSES).order_by("pk").first()
            taken = set(mine.values_list("program_id", flat=True))
            free = (p for p in open_programs if p.pk not in taken)
            for program in free:
                if len(have) >= per_student:
                    break
                draft = Application(
                    student=user,
                    program=program,
                    status=Status.DRAFT,
                    **{name: getattr(model, name) for name in PERSONAL_FIELDS},
                    language_test=model.language_test,
                    language_score=model.language_score,
                    has_passport=False,
                )
                # 提交 judges the program's 申请条件 (every seeded program has some): the
                # pool holds drafts that meet the required ones, so that each is accepted.
                if unmet_requirements(draft):
                    continue
                draft.save()
                for kind in (
                    AttachmentKind.TRANSCRIPT,
                    AttachmentKind.ENROLLMENT,
                    AttachmentKind.LANGUAGE,
                ):
                    name, size, content_type = files.place(draft.pk)
                    Attachment.objects.create(
                        application=draft,
                        kind=kind,
                        file=name,
                        original_name=MARK,
                        size=size,
                        content_type=content_type,
                    )
                have.append(draft.pk)
            pool[user.pk] = have
    problems = [
        (a.pk, problems)
        for a in Application.objects.filter(pk__in=[pk for pks in pool.values() for pk in pks])
        if a.status == Status.DRAFT
        and (problems := a.submission_problems() | unmet_requirements(a))
    ]
    if problems:
        raise SystemExit(f"pool drafts that 提交 would refuse: {problems[:3]}")
    return pool


def reset(pool, since):
    """Every pool application a draft again, without the history a slice gave it.
    Returns how many had been submitted."""
    from django.db import transaction
    from django.utils import timezone

    from apps.applications.models import Application, ApplicationEvent, Status

    pks = [pk for pks in pool.values() for pk in pks]
    with transaction.atomic():
        spent = (
            Application.objects.filter(pk__in=pks)
            .exclude(status=Status.DRAFT)
            .update(status=Status.DRAFT, submitted_at=None, updated_at=timezone.now())
        )
        ApplicationEvent.objects.filter(application_id__in=pks, created_at__gte=since).exclude(
            to_value=Status.DRAFT
        ).delete()  # and the decisions' notices with them
    return spent


def requests(config, pool, sessions):
    """提交 of every pool draft, as the page posts the form (form-encoded, every field)."""
    out = []
    for student_pk, pks in pool.items():
        session = sessions[student_pk]
        [body, _] = client.draft_form_bodies(config.port, session, f"/applications/{pks[0]}/edit/")
        body = body.replace("action=save", "action=submit")
        out.append(
            [
                Req(f"/applications/{pk}/edit/", session.cookie_header, "POST", body, expect=302)
                for pk in pks
            ]
        )
    # Student after student, as for 保存: each wrk thread gets every student's drafts.
    return [req for round_ in zip(*out, strict=True) for req in round_]


class Worker:
    """`celery -A exchange_portal worker` on the bench's broker, with gunicorn's settings."""

    def __init__(self, config, broker_url):
        self.config, self.broker_url = config, broker_url
        self.log_path = Path(config.var) / "worker.log"
        self.process = None

    def __enter__(self):
        import redis

        redis.Redis.from_url(self.broker_url).flushdb()  # nothing left from another run
        env = {
            **self.config.env(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            # The console email backend of the bench prints the decisions' emails here.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
        log(f"starting a Celery worker on {self.broker_url} (log {self.log_path})")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "exchange_portal", "worker", "--pool", "solo"]
            + ["--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class publishing_to:
    """This process's Celery app publishes to `broker_url` (a worker runs the tasks)."""

    def __init__(self, broker_url):
        self.broker_url = broker_url

    def _use(self, broker_url, eager):
        from exchange_portal.celery import app

        app._pool = None  # the connection pools belong to the broker they were made for
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.task_always_eager = broker_url, eager

    def __enter__(self):
        from exchange_portal.celery import app

        self.saved = app.conf.broker_url, app.conf.task_always_eager
        self._use(self.broker_url, False)

    def __exit__(self, *exc):
        self._use(*self.saved)


def _form_file(application):
    """Where the worker puts the form of `application`'s current version."""
    from django.core.files.storage import default_storage
    from django.utils import translation

    from apps.applications import pdf
    from apps.applications.notifications import student_language

    with translation.override(student_language(application.student)):
        return Path(default_storage.path(pdf.cache_name(application)))


def _wait_for(paths, what, seconds=300):
    deadline = time.monotonic() + seconds
    while not all(path.exists() for path in paths):
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not render {what} within {seconds} s")
        time.sleep(0.2)


def first_downloads_after_review(config, pool, sessions, count=REVIEWED):
    """Milliseconds of the first download of each of `count` forms just approved, the worker
    having rendered them (as when a student follows the decision's email)."""
    from django.contrib.auth import get_user_model

    from apps.applications import services
    from apps.applications.models import Application
    from apps.operations.scale import CLERKS

    users = get_user_model().objects
    clerks = {region: users.get(username=name) for name, region in CLERKS.items()}
    pks = [drafts[0] for drafts in pool.values()][:count]
    broker = os.environ.get("BENCH_BROKER_URL") or _next_database(config.cache_url)
    applications = []
    with Worker(config, broker), publishing_to(broker):
        for pk in pks:
            application = Application.objects.select_related("program", "student").get(pk=pk)
            applications.append(
                services.submit_application(application=application, user=application.student)
            )
        _wait_for([_form_file(a) for a in applications], "the submitted forms")
        reviewed = [
            services.approve_application(application=a, actor=clerks[a.program.region])
            for a in applications
        ]
        _wait_for([_form_file(a) for a in reviewed], "the reviewed forms")
    times = []
    for application in reviewed:
        http = client.Http(config.port, sessions[application.student_id])
        started = time.perf_counter()
        status, _, body = http.request("GET", f"/applications/{application.pk}/form.pdf")
        times.append((time.perf_counter() - started) * 1000)
        if status != 200 or not body.startswith(b"%PDF-"):
            raise SystemExit(f"the form of {application.pk} answered {status}")
    return times


def p95(values):
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _next_database(redis_url):
    """The bench cache's Redis, the next database number: the broker's own."""
    base, _, number = redis_url.rpartition("/")
    return f"{base}/{int(number) + 1 if number.isdigit() else 10}"
