"""bench/cost shows the database's CPU per request beside the process's own: read from
/proc for the PostgreSQL backend serving the test's connection, blank elsewhere."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from bench.loadtest.cost import _backend_cpu

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL backend process (CI runs it)"
)


@on_postgresql
def test_it_names_the_backend_serving_this_connection_and_its_cpu_grows_with_work():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    before = _backend_cpu()
    assert before[0] == pid
    with connection.cursor() as cursor:
        # About a second of the backend's CPU, well above /proc's 10 ms ticks.
        cursor.execute("SELECT count(*) FROM generate_series(1, 3000000) a, generate_series(1, 3)")
    after = _backend_cpu()
    assert after[0] == pid
    assert after[1] - before[1] >= 0.05


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite pass runs it")
def test_sqlite_has_no_backend_process_so_the_column_is_blank():
    get_user_model().objects.count()  # the connection is open
    assert _backend_cpu() is None


@on_postgresql
def test_a_database_elsewhere_leaves_the_column_blank(monkeypatch):
    get_user_model().objects.count()  # the connection is open
    assert _backend_cpu() is not None, "read while /proc answers"
    real_open = open

    def no_proc(path, *args, **kwargs):
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_proc)
    assert _backend_cpu() is None
