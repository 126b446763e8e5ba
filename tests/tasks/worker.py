"""A private Redis and a real Celery worker process for the worker tests. Nothing here is
imported by the portal itself.

Redis: `redis-server` on a free loopback port, no persistence, in a temporary folder.
The worker: `celery -A exchange_portal worker --pool solo`, with the portal's own settings
read from the environment, pointed at that Redis and at the test's PostgreSQL database
(committed rows only: the tests are transactional).
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exchange_portal.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]


class Unavailable(Exception):
    """The machine cannot run this (no redis-server): the test skips."""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    def __init__(self):
        binary = shutil.which("redis-server")
        if not binary:
            raise Unavailable("needs redis-server (Debian package redis-server)")
        self.root = Path(tempfile.mkdtemp(prefix="tasks-redis-"))
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "redis.log"),
            ],  # fmt: skip
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not listen within 30 s")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        _stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def database_url(settings_dict):
    """The test database as a URL, for another process."""
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """`celery -A exchange_portal worker` in its own process group; its log in `log_path`."""

    def __init__(self, *, broker_url, database_url, media_root, smtp_port, log_path):
        env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        env.update(
            DJANGO_SETTINGS_MODULE="exchange_portal.settings",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=broker_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            MEDIA_ROOT=str(media_root),
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="false",
            EMAIL_TIMEOUT="5",
            # Retries a second or two apart instead of minutes.
            TASK_RETRY_BACKOFF="1",
            TASK_RETRY_BACKOFF_MAX="2",
            LOG_LEVEL="INFO",
            PYTHONPATH=str(BASE_DIR),
        )
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "exchange_portal",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self):
        return Path(self.log_path).read_text("utf-8", "replace")

    def succeeded(self, task):
        """How many runs of `task` (a name in apps.applications.tasks) finished."""
        pattern = rf"Task apps\.applications\.tasks\.{task}\[[^\]]+\] succeeded"
        return len(re.findall(pattern, self.output()))

    def wait_for(self, condition, what, seconds=90):
        """Poll `condition` until it is true; fails (with the worker's log) otherwise."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited before {what}:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"not within {seconds} s: {what}\n{self.output()[-3000:]}")

    def stop(self):
        _stop(self.process)
        self.log.close()


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)


@contextlib.contextmanager
def publishing_to(broker_url):
    """This process enqueues to `broker_url` instead of running tasks eagerly."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    _forget_connections()
    conf.broker_url, conf.task_always_eager = broker_url, False
    try:
        yield
    finally:
        _forget_connections()
        conf.broker_url, conf.task_always_eager = saved


def _forget_connections():
    """Celery keeps its broker connection pool per process: forget it with the broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
