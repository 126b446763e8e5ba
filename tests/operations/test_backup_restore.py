"""manage.py backup / restore: a seeded database and its files come back identical."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.applications import pdf
from apps.attachments.models import Attachment
from apps.core.storage import PrivateS3Storage
from apps.operations import backup
from tests.builders import office_groups, passport

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backup and restore drive pg_dump/pg_restore: PostgreSQL only (CI runs it)",
)


def rows_of_every_table(db):
    """{table: [rows]} of every table of the public schema, each ordered by all columns."""
    tables = [
        name
        for (name,) in backup.query(
            db,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
    ]
    everything = {}
    for table in tables:
        (width,) = backup.query(
            db,
            "SELECT count(*) FROM information_schema.columns "
            f"WHERE table_schema = 'public' AND table_name = '{table}'",
        )[0]
        order = ", ".join(str(n) for n in range(1, width + 1))
        everything[table] = backup.query(db, f'SELECT * FROM "{table}" ORDER BY {order}')
    return everything


def sequences(db):
    names = backup.query(
        db, "SELECT sequence_name FROM information_schema.sequences ORDER BY sequence_name"
    )
    return {
        name: backup.query(db, f'SELECT last_value, is_called FROM "{name}"')[0]
        for (name,) in names
    }


@pytest.fixture
def fresh_database():
    """A new, empty database next to the test database, dropped afterwards."""
    db = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_restored"}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    yield db
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


def url_of(db):
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{port}/{db['NAME']}"


@pytest.fixture
def seeded(settings, make_submitted):
    """The demo data (programs, accounts, applications with real PDF files) and one more
    application with an encrypted passport number."""
    # A transactional test before this one may have flushed the groups the migrations made.
    office_groups()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    make_submitted(**passport())
    assert Attachment.objects.count() >= 8


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_row_and_every_file(seeded, fresh_database, tmp_path):
    target, restored_media = tmp_path / "backup", tmp_path / "restored-media"

    call_command("backup", "--to", str(target), stdout=io.StringIO())
    call_command(
        "restore",
        f"--from={target}",
        f"--database-url={url_of(fresh_database)}",
        f"--media-root={restored_media}",
        stdout=io.StringIO(),
    )

    source_db = connection.settings_dict
    original, restored = rows_of_every_table(source_db), rows_of_every_table(fresh_database)
    assert set(original) == set(restored)
    assert sum(len(rows) for rows in original.values()) > 100
    for table, rows in original.items():
        assert restored[table] == rows, f"{table} differs after restore"
    assert sequences(fresh_database) == sequences(source_db)

    files = backup.media_checksums()
    # The uploads, and the forms the submissions rendered into the PDF cache (a task).
    uploads = [name for name in files if not name.startswith(f"{pdf.CACHE_DIR}/")]
    assert len(uploads) == Attachment.objects.count()
    assert backup.media_checksums(restored_media) == files


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_misdirected_restore_is_refused(seeded, fresh_database, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", "--to", str(target), stdout=io.StringIO())

    with pytest.raises(CommandError, match="already has tables"):
        call_command("restore", f"--from={target}", f"--media-root={tmp_path / 'm1'}")

    damaged = tmp_path / "damaged"
    shutil.copytree(target, damaged)
    dump = bytearray((damaged / backup.DUMP).read_bytes())
    dump[len(dump) // 2] ^= 0xFF
    (damaged / backup.DUMP).write_bytes(bytes(dump))
    with pytest.raises(CommandError, match="damaged"):
        call_command(
            "restore",
            f"--from={damaged}",
            f"--database-url={url_of(fresh_database)}",
            f"--media-root={tmp_path / 'm2'}",
        )
    assert (
        backup.query(fresh_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[
            0
        ][0]
        == 0
    ), "nothing was restored"

    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--to", str(target), stdout=io.StringIO())


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs PostgreSQL's client tools")
def test_pg_dump_is_chosen_for_the_servers_version():
    path, major = backup.pg_binary("pg_dump", 15)
    assert major >= 15 and Path(path).name == "pg_dump"
    with pytest.raises(backup.BackupError, match="PostgreSQL 99"):
        backup.pg_binary("pg_dump", 99)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
@pytest.mark.django_db
def test_on_sqlite_backup_says_it_needs_postgresql(tmp_path):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("backup", "--to", str(tmp_path / "b"))


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_with_s3_the_backup_reads_the_bucket_and_restores_into_an_empty_bucket(
    s3_storage, moto_s3, seeded, fresh_database, tmp_path
):
    target = tmp_path / "backup"
    call_command("backup", "--to", str(target), stdout=io.StringIO())
    files = backup.media_checksums()
    assert len(files) == len(moto_s3.keys(s3_storage))
    uploads = [name for name in files if not name.startswith(f"{pdf.CACHE_DIR}/")]
    assert len(uploads) == Attachment.objects.count()
    assert not (tmp_path / "media").exists(), "nothing went through the local folder"

    options = moto_s3.storage_settings(moto_s3.new_bucket())["OPTIONS"]
    empty_bucket = PrivateS3Storage(**options)
    backup.restore(target, db=fresh_database, media_root=empty_bucket)

    assert backup.media_checksums(empty_bucket) == files
    assert rows_of_every_table(fresh_database) == rows_of_every_table(connection.settings_dict)
