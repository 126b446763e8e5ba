"""bench/run --embedded runs the portal as a newcomer's machine does (issue 23): a SQLite
file under the bench's var folder, each worker's own memory for the cache, no Redis, no
broker; the default stays PostgreSQL + Redis. No load is run here."""

import json
import subprocess

import pytest

from bench.loadtest import run, server

SHOW_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
from django.core.cache import cache
from apps.core.queue import has_worker
db = settings.DATABASES["default"]
for i in range(1000):
    cache.set(f"entry-{i}", i, 60)
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"], "has_worker": has_worker(),
    "kept": sum(cache.get(f"entry-{i}") == i for i in range(1000)),
}))
"""


@pytest.fixture
def bench_var(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_VAR", str(tmp_path))
    return tmp_path


def config(*argv):
    return run.config_from(run.parser("test").parse_args(list(argv)))


def test_embedded_is_a_sqlite_file_in_its_own_folder_and_the_local_memory_cache(bench_var):
    embedded = config("--embedded", "--students", "30")

    assert embedded.var == bench_var / "embedded"
    assert embedded.sqlite_path == bench_var / "embedded" / "db.sqlite3"
    assert embedded.cache_url == "locmemcache://"
    assert (embedded.setup, embedded.students) == ("embedded", 30)


def test_the_default_stays_on_postgresql_and_redis(bench_var):
    default = config()

    assert default.database_url.startswith("postgres://")
    assert default.cache_url.startswith("redis://")
    assert default.setup == "postgresql+redis"


def test_the_embedded_portal_has_no_broker_and_writes_through_sqlite_wal(bench_var, monkeypatch):
    # A broker in the shell that runs bench/run would give the portal a worker to wait for.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    embedded = config("--embedded")

    out = subprocess.run(
        [server.PYTHON, "-c", SHOW_SETTINGS],
        cwd=server.ROOT,
        env=embedded.env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shown = json.loads(out)

    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(embedded.sqlite_path)
    # Several gunicorn workers write to one file: they wait for each other's writes.
    assert "journal_mode=WAL" in shown["options"]["init_command"]
    assert shown["options"]["transaction_mode"] == "IMMEDIATE"
    assert shown["cache"] == "apps.core.local_cache.LocMemCache"
    # Room for a catalog's pages and a session, a list and rows per student: Django's
    # default of 300 entries culled them a third at a time.
    assert shown["kept"] == 1000
    assert shown["has_worker"] is False
