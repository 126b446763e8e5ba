"""bench/run seeds its database once, and again when another checkout seeded it: the
passports are encrypted with each checkout's own key, the files are in its own folder."""

import os
import subprocess

import psycopg2
import pytest

from bench.loadtest import server

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def database_url():
    try:
        psycopg2.connect(ADMIN_URL).close()
    except psycopg2.OperationalError:
        pytest.skip("needs the PostgreSQL server on 127.0.0.1:5432")
    name = f"bench_seed_mark_test_{os.getpid()}"
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


@pytest.fixture
def seeds(monkeypatch):
    """The seed_scale commands bench/run would run (the other commands are not run)."""
    calls = []

    def manage(config, *args, check=True):
        if args[0] == "seed_scale":
            calls.append("--reset" in args)
            if getattr(config, "fail", False):
                raise subprocess.CalledProcessError(1, "seed_scale")

    monkeypatch.setattr(server, "manage", manage)
    return calls


def test_a_database_seeded_by_another_checkout_is_seeded_again(tmp_path, database_url, seeds):
    mine = server.BenchConfig(database_url=database_url, var=tmp_path / "mine")
    other = server.BenchConfig(database_url=database_url, var=tmp_path / "other")

    server.ensure_database(mine)  # created, then seeded
    server.ensure_database(mine)  # seeded by this checkout: seed_scale skips it
    server.ensure_database(other)  # a fresh clone: its own key, so emptied and seeded
    server.ensure_database(other)

    assert seeds == [False, False, True, False]
    assert server.seed_mark(mine) != server.seed_mark(other)


def test_a_first_seed_that_failed_is_started_again_from_empty(tmp_path, database_url, seeds):
    config = server.BenchConfig(database_url=database_url, var=tmp_path / "mine")
    config.fail = True
    with pytest.raises(subprocess.CalledProcessError):
        server.ensure_database(config)
    config.fail = False
    server.ensure_database(config)
    server.ensure_database(config)

    # The failed seed left no mark: its half-seeded rows are emptied before seeding again.
    assert seeds == [False, True, False]
