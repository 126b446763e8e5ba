"""pytest plugin for bench/mutation only: the SQLite test database is a file kept between
pytest sessions (with --reuse-db), so that each mutant's run does not migrate a new
in-memory database (7 of its 10 seconds on a busy machine). PostgreSQL keeps its test
database with --reuse-db alone."""

from pathlib import Path


def pytest_configure(config):
    from django.db import connections

    for alias in connections:
        settings_dict = connections[alias].settings_dict
        if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
            continue
        if settings_dict.get("TEST", {}).get("MIRROR"):
            continue
        name = Path.cwd() / "var" / f"mutation-test-{alias}.sqlite3"
        settings_dict.setdefault("TEST", {})["NAME"] = str(name)
