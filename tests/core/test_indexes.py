"""Every index on the portal's own tables earns its writes: none repeats the leading
columns of another (a foreign key's own index beside a composite one that starts with it,
or PostgreSQL's LIKE-only twin of a choice field's index)."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def redundant_indexes(table):
    """(index, the index that already covers it) pairs: a non-unique index whose columns
    are the first columns of another index (or the same columns)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexes = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]
    }
    found = []
    for name, columns in indexes.items():
        if constraints[name]["unique"] or constraints[name]["primary_key"]:
            continue  # a uniqueness rule, not only a way in
        for other, other_columns in indexes.items():
            if other != name and other_columns[: len(columns)] == columns:
                found.append((name, other))
                break
    return found


def own_tables():
    return sorted(
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name.startswith("apps.")
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
    )


def test_no_index_of_the_portals_tables_is_covered_by_another():
    tables = own_tables()
    assert "applications_application" in tables
    assert {table: found for table in tables if (found := redundant_indexes(table))} == {}


def test_the_check_finds_an_index_that_another_covers():
    table = "applications_application"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX redundant_probe ON {table} (program_id)")
    try:
        assert ("redundant_probe", "application_program_status_idx") in redundant_indexes(table)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX redundant_probe")
