"""Backup and restore: the PostgreSQL database (pg_dump's custom format) and the uploads.

A backup is a directory holding
- `database.dump`: `pg_dump --format=custom --no-owner --no-privileges` of the database,
- `media.tar`: every file of the default storage (the media folder, or the S3 bucket
  with `STORAGE_BACKEND=s3`), by its name in the storage, read through the storage API,
- `manifest.json`: when, from which database and server version, with which pg_dump, the
  applied migrations, the SHA-256 and size of both files and of every media file.

`restore` checks every checksum first, refuses a database that already has tables and a
storage that already has files, then runs `pg_restore` and writes the files back through
the storage API (into a local folder or a bucket alike), checking each one again.
Passport numbers stay encrypted in the dump: a restore needs the same
FIELD_ENCRYPTION_KEYS, which are deliberately not part of the backup.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from apps.core.storage import PrivateFileSystemStorage, walk

DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"
READ_SIZE = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore cannot go on, in words for the operator."""


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


def media_storage(media_root=None):
    """The storage whose files are backed up or restored: a local folder when given (the
    restore command's --media-root), else the default storage (local or S3)."""
    if media_root is not None and not hasattr(media_root, "listdir"):
        return PrivateFileSystemStorage(location=media_root)
    return media_root or default_storage


class _Hashing:
    """A read-only file that hashes what is read through it (each file is read once)."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        block = self.handle.read(size)
        self.digest.update(block)
        return block


def storage_sha256(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while block := handle.read(READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


def media_checksums(storage=None):
    """{name: sha256} of every file in `storage` (a Storage or a local folder)."""
    storage = media_storage(storage)
    return {name: storage_sha256(storage, name) for name in walk(storage)}


# --- pg_dump / pg_restore of the server's version --------------------------------------------


def _major(version_text):
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    return int(match.group(1)) if match else 0


def pg_binary(name, server_major):
    """The path of `name` (pg_dump, pg_restore) able to talk to a server of `server_major`.

    pg_dump refuses a server newer than itself, so the client must be at least the server's
    major version; the exact version is preferred. Looked for in PG_BIN_DIR, then Debian's
    /usr/lib/postgresql/<major>/bin, then PATH.
    """
    candidates = []
    if settings.PG_BIN_DIR:
        candidates.append(Path(settings.PG_BIN_DIR) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if found := shutil.which(name):
        candidates.append(Path(found))
    seen = []
    for candidate in candidates:
        if not candidate.is_file() or candidate in seen:
            continue
        seen.append(candidate)
        output = subprocess.run(
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        )
        client_major = _major(output.stdout)
        if client_major >= server_major:
            return str(candidate), client_major
    raise BackupError(
        f"No {name} of PostgreSQL {server_major} or newer was found (looked in "
        f"{', '.join(str(c) for c in candidates) or 'PATH'}). Install postgresql-client-"
        f"{server_major} or set PG_BIN_DIR."
    )


def _connection_env(db):
    """libpq settings for `db` (a Django DATABASES entry), passed in the environment so that
    the password never shows in a process list."""
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if db.get(key):
            env[variable] = str(db[key])
    return env


def query(db, sql):
    """The rows of one query on `db`, over a connection of its own (closed afterwards)."""
    import psycopg2

    conn = psycopg2.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        conn.close()


def _server_major(db):
    return int(query(db, "SHOW server_version_num")[0][0]) // 10000


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _require_postgresql(db):
    if "postgresql" not in db["ENGINE"]:
        raise BackupError("Backup and restore work on PostgreSQL (DATABASE_URL=postgres://…).")


# --- Backup ---------------------------------------------------------------------------------


def backup(target, *, db=None, media_root=None):
    """Write a backup of `db` (default: the default database) and the files of `media_root`
    (a folder or a Storage; default: the default storage) into the new or empty directory
    `target`; return the manifest."""
    db = db or connection.settings_dict
    storage = media_storage(media_root)
    _require_postgresql(db)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: choose a new directory for each backup.")
    target.mkdir(parents=True, exist_ok=True)

    server_major = _server_major(db)
    pg_dump, client_major = pg_binary("pg_dump", server_major)
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target / DUMP}"],
        _connection_env(db),
    )

    files = {}
    with tarfile.open(target / MEDIA, "w") as archive:
        for name in walk(storage):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mode = 0o600
            info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
            with storage.open(name, "rb") as handle:
                reader = _Hashing(handle)
                archive.addfile(info, reader)
            files[name] = reader.digest.hexdigest()

    manifest = {
        "format": 1,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": db["NAME"],
        "server_major": server_major,
        "pg_dump_major": client_major,
        "migrations": [
            f"{app}.{name}"
            for app, name in query(db, "SELECT app, name FROM django_migrations ORDER BY id")
        ],
        "files": {
            name: {"sha256": sha256(target / name), "size": (target / name).stat().st_size}
            for name in (DUMP, MEDIA)
        },
        "media": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


# --- Restore --------------------------------------------------------------------------------


def verify(source):
    """The manifest of the backup in `source`, once both files match their checksums."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} cannot be read: {error}") from None
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if sha256(path) != expected["sha256"]:
            raise BackupError(f"{path} does not match its checksum: the backup is damaged.")
    return manifest


def _describe(storage):
    if bucket := getattr(storage, "bucket_name", None):
        return f"Bucket {bucket}"
    return str(getattr(storage, "location", storage))


def _table_count(db):
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    return query(db, sql)[0][0]


def restore(source, *, db=None, media_root=None):
    """Restore the backup in `source` into the empty database `db` and the empty storage
    `media_root` (a folder or a Storage; defaults: the configured ones); return the
    manifest."""
    db = db or connection.settings_dict
    storage = media_storage(media_root)
    _require_postgresql(db)
    source = Path(source)
    manifest = verify(source)
    if _table_count(db):
        raise BackupError(
            f"Database {db['NAME']} already has tables: restore into a new, empty database "
            f"(createdb) so that nothing is overwritten or mixed."
        )
    if next(walk(storage), None) is not None:
        raise BackupError(
            f"{_describe(storage)} already holds files: restore into an empty folder or bucket."
        )

    pg_restore, _client = pg_binary("pg_restore", _server_major(db))
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={db['NAME']}",
            str(source / DUMP),
        ],
        _connection_env(db),
    )

    with tarfile.open(source / MEDIA) as archive:
        members = archive.getmembers()
        for member in members:
            path = PurePosixPath(member.name)
            if not member.isfile() or path.is_absolute() or ".." in path.parts:
                raise BackupError(f"{source / MEDIA} holds an unexpected entry: {member.name}")
        for member in members:
            with archive.extractfile(member) as handle:
                stored = storage.save(member.name, File(handle, name=member.name))
            if stored != member.name:
                raise BackupError(f"{member.name} was stored as {stored}.")
    restored = media_checksums(storage)
    if restored != manifest["media"]:
        wrong = sorted(set(restored.items()) ^ set(manifest["media"].items()))
        raise BackupError(f"Restored files differ from the manifest: {wrong[:5]}")
    return manifest
