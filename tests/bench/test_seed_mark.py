"""bench/run seeds its database once, and again when another checkout seeded it: the
passports are encrypted with each checkout's own key, the files are in its own folder.
On PostgreSQL the mark is the database's comment; with --embedded, a file beside the
SQLite file."""

import dataclasses
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


@pytest.fixture(params=["postgresql+redis", "embedded"])
def checkout(request, tmp_path, monkeypatch):
    """checkout(name): the bench config of a checkout with its own var folder (keys,
    media), all of them on one database."""
    if request.param == "embedded":
        monkeypatch.setenv("BENCH_VAR", str(tmp_path))
        shared = server.BenchConfig.embedded_setup()
        return lambda name: dataclasses.replace(shared, var=tmp_path / name)
    database_url = request.getfixturevalue("database_url")
    return lambda name: server.BenchConfig(database_url=database_url, var=tmp_path / name)


@pytest.fixture
def seeds(monkeypatch):
    """The seed_scale commands bench/run would run (the others are not run; migrate makes
    the SQLite file)."""
    calls = []

    def manage(config, *args, check=True):
        if args[0] == "migrate" and config.embedded:
            config.sqlite_path.touch()
        if args[0] == "seed_scale":
            calls.append("--reset" in args)
            if getattr(config, "fail", False):
                raise subprocess.CalledProcessError(1, "seed_scale")

    monkeypatch.setattr(server, "manage", manage)
    return calls


def test_a_database_seeded_by_another_checkout_is_seeded_again(checkout, seeds):
    mine, other = checkout("mine"), checkout("other")

    server.ensure_database(mine)  # created, then seeded
    server.ensure_database(mine)  # seeded by this checkout: not seeded again
    server.ensure_database(other)  # a fresh clone: its own key, so emptied and seeded
    server.ensure_database(other)

    assert seeds == [False, True]
    assert server.seed_mark(mine) != server.seed_mark(other)


def test_a_second_run_at_other_sizes_seeds_again_from_empty(checkout, seeds):
    config = checkout("mine")
    server.ensure_database(config)
    config.applications = 9_000  # bench/run --applications 9000
    server.ensure_database(config)
    server.ensure_database(config)

    assert seeds == [False, True]


def test_a_first_seed_that_failed_is_started_again_from_empty(checkout, seeds):
    config = checkout("mine")
    config.fail = True
    with pytest.raises(subprocess.CalledProcessError):
        server.ensure_database(config)
    config.fail = False
    server.ensure_database(config)
    server.ensure_database(config)

    # The failed seed left no mark: its half-seeded rows are emptied before seeding again.
    assert seeds == [False, True]


@pytest.mark.parametrize("checkout", ["embedded"], indirect=True)
def test_the_embedded_mark_is_a_small_file_beside_the_sqlite_file(checkout, seeds):
    config = checkout("mine")
    server.ensure_database(config)

    mark = config.sqlite_path.with_name("db.sqlite3.seed")
    assert mark.read_text().strip() == server.seed_mark(config)


@pytest.mark.parametrize("checkout", ["embedded"], indirect=True)
def test_a_deleted_sqlite_file_is_seeded_from_empty_whatever_its_old_mark(checkout, seeds):
    mine = checkout("mine")
    server.ensure_database(mine)
    mine.sqlite_path.unlink()
    server.ensure_database(checkout("other"))  # the old mark was not this checkout's

    assert seeds == [False, False]
