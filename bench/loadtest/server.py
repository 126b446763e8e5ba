"""The portal under test: its database, seed data, static files and gunicorn.

The portal runs as it does in production (DEBUG off, whitenoise, Redis cache, sessions
in the cache, cached templates) from deploy/gunicorn.conf.py, against its own database.
Or, with --embedded, as on a newcomer's machine (the same gunicorn, a SQLite file, the
cache in each worker's memory, no Redis, no broker): BenchConfig.embedded_setup().
"""

import base64
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


@dataclass
class BenchConfig:
    database_url: str = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exchange_portal_bench"
    )
    cache_url: str = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")
    var: Path = Path(os.environ.get("BENCH_VAR", ROOT / "var" / "bench"))
    port: int = int(os.environ.get("BENCH_PORT", "8765"))
    # The vanilla Django reference (bench/vanilla); --nodes takes the ports after `port`.
    vanilla_port: int = int(os.environ.get("BENCH_VANILLA_PORT", "0"))
    workers: int = int(os.environ.get("BENCH_WORKERS", os.cpu_count() * 2))
    students: int = 60_000
    programs: int = 3_000
    applications: int = 150_000
    password: str = "scale-pass-2026"
    extra_env: dict = field(default_factory=dict)

    @classmethod
    def embedded_setup(cls, **options):
        """The embedded default: a SQLite file and the local-memory cache, in a folder of
        their own (keys, media): a --reset of one seed empties the media folder beside it,
        which the other seed's attachments are in."""
        var = Path(os.environ.get("BENCH_VAR", ROOT / "var" / "bench")) / "embedded"
        return cls(
            database_url=f"sqlite:///{var / 'db.sqlite3'}",
            cache_url="locmemcache://",
            var=var,
            **options,
        )

    @property
    def embedded(self):
        return self.database_url.startswith("sqlite")

    @property
    def setup(self):
        """What the BENCH line says the portal ran on."""
        return "embedded" if self.embedded else "postgresql+redis"

    @property
    def sqlite_path(self):
        import environ

        return ROOT / environ.Env.db_url_config(self.database_url)["NAME"]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def vanilla_url(self):
        return f"http://127.0.0.1:{self.vanilla_port or self.port + 100}"

    def env(self):
        """The production-like environment of gunicorn (and of the set-up commands)."""
        self.var.mkdir(parents=True, exist_ok=True)
        key_file = self.var / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
        # The seeded passports are encrypted with this key: one per bench database.
        fernet_file = self.var / "field_encryption_key"
        if not fernet_file.exists():
            fernet_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "exchange_portal.settings",
                "DEBUG": "0",
                "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or key_file.read_text(),
                "FIELD_ENCRYPTION_KEYS": fernet_file.read_text(),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Plain HTTP on loopback, no TLS proxy in front: production's HTTPS
                # redirect and secure-only cookies would stop the load clients.
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "DATABASE_URL": self.database_url,
                "CACHE_URL": self.cache_url,
                "MEDIA_ROOT": str(self.var / "media"),
                "STATIC_ROOT": str(self.var / "static"),
                "LOG_LEVEL": "WARNING",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(self.workers),
                "GUNICORN_MAX_REQUESTS": "0",
                "GUNICORN_LOG_LEVEL": "warning",
                "AUTH_LDAP_SERVER_URI": "",
            }
        )
        if self.embedded:
            # No broker, whatever this shell has: tasks run in the process (has_worker()).
            env.update({"CELERY_BROKER_URL": "", "REDIS_URL": ""})
        env.update(self.extra_env)
        return env


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def manage(config, *args, check=True):
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=config.env(), check=check, text=True
    )


def seed_mark(config):
    """What the seeded rows are: their sizes, this checkout's field encryption key (the
    passports are encrypted with it) and its media folder (the attachments' files).
    Kept as the database's comment (--embedded: a file beside it): another checkout (a
    fresh clone has its own key and files) or other sizes find a mark that is not theirs
    and seed again instead of failing to read; the same mark skips seeding. Not left to
    seed_scale's own count: the drafts bench/run adds for 提交 are applications too."""
    config.env()  # makes the key file on first use
    key = (config.var / "field_encryption_key").read_text()
    media = config.var / "media"
    checkout = hashlib.sha256(f"{key}\0{media}".encode()).hexdigest()[:16]
    return f"bench-seed {checkout} {config.students}/{config.programs}/{config.applications}"


def ensure_database(config):
    """Create the database if it is missing, migrate it, seed it if it is not seeded
    by this checkout at these sizes."""
    marks = SqliteMark(config) if config.embedded else PostgresMark(config)
    mark = seed_mark(config)
    found = marks.read()
    log("migrating")
    manage(config, "migrate", "--verbosity", "0")
    if found == mark:
        log("seeded by this checkout at these sizes: not seeding again")
    else:
        reset = found is not None  # and not this mark: emptied first
        log(
            "seeding again: another checkout's keys and files, or other sizes"
            if reset
            else "seeding"
        )
        env_debug = {**config.extra_env}
        config.extra_env = {**env_debug, "DEBUG": "1"}  # seed_scale refuses DEBUG off
        try:
            manage(
                config,
                "seed_scale",
                f"--students={config.students}",
                f"--programs={config.programs}",
                f"--applications={config.applications}",
                f"--password={config.password}",
                *(["--reset"] if reset else []),
            )
        finally:
            config.extra_env = env_debug
        marks.write(mark)
    log("collectstatic")
    manage(config, "collectstatic", "--noinput", "--verbosity", "0")


class PostgresMark:
    """The seed mark as the database's comment; the database created when missing."""

    def __init__(self, config):
        url = urllib.parse.urlparse(config.database_url)
        self.name = url.path.lstrip("/")
        self.admin_url = url._replace(path="/postgres").geturl()

    def admin(self, statement, params=()):
        import psycopg2

        # Not `with conn:`: that wraps the statement in a transaction, and CREATE DATABASE
        # refuses to run in one.
        conn = psycopg2.connect(self.admin_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchone() if cursor.description else None
        finally:
            conn.close()

    def read(self):
        """None when the database is missing (created here), else its mark ("" unmarked)."""
        found = self.admin(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [self.name],
        )
        if found is None:
            log(f"creating database {self.name}")
            self.admin(f'CREATE DATABASE "{self.name}"')
            return None
        return found[0] or ""

    def write(self, mark):
        self.admin(f'COMMENT ON DATABASE "{self.name}" IS %s', [mark])


class SqliteMark:
    """The seed mark in a small file beside the SQLite file (migrate creates the file)."""

    def __init__(self, config):
        self.database = config.sqlite_path
        self.file = self.database.with_name(self.database.name + ".seed")

    def read(self):
        if not self.database.exists():
            log(f"creating {self.database}")
            self.database.parent.mkdir(parents=True, exist_ok=True)
            self.file.unlink(missing_ok=True)
            return None
        return self.file.read_text().strip() if self.file.exists() else ""

    def write(self, mark):
        self.file.write_text(mark + "\n")


def flush_cache(config):
    """Start from a cold cache (the bench's own Redis database only; local memory starts
    cold with each worker), and with no printed form rendered yet (they are kept in file
    storage), so the first downloads are renders."""
    shutil.rmtree(config.var / "media" / "pdf-cache", ignore_errors=True)
    if config.cache_url.startswith("redis"):
        import redis

        redis.Redis.from_url(config.cache_url).flushdb()


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py, started and stopped by the benchmark."""

    app = "exchange_portal.wsgi"
    ready_path = "/healthz/"

    def __init__(self, config):
        self.config = config
        self.process = None

    @property
    def base_url(self):
        return self.config.base_url

    def env(self):
        return self.config.env()

    def __enter__(self):
        log(f"starting gunicorn {self.app} ({self.config.workers} workers) on {self.base_url}")
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                self.app,
            ],
            cwd=ROOT,
            env=self.env(),
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _wait_ready(self):
        import http.client

        port = int(self.base_url.rpartition(":")[2])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited while starting")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200 and len(self.worker_pids()) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer {self.ready_path} within 60 s")

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_cpu_seconds(self):
        """CPU seconds (user and system) that the workers have used so far."""
        ticks = 0
        for pid in self.worker_pids():
            # The fields after the command's ")": state is the 3rd, utime the 14th, stime the 15th.
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self):
        """{pid: resident memory in MB} of every worker."""
        rss = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1]) / 1024
        return rss


class VanillaDjango(Gunicorn):
    """The reference ceiling (bench/vanilla): the same Django under the same gunicorn
    settings and workers, with Django's defaults and one view returning a short string."""

    app = "bench.vanilla.wsgi"
    ready_path = "/hello/"

    @property
    def base_url(self):
        return self.config.vanilla_url

    def env(self):
        env = self.config.env()
        var = self.config.var / "vanilla"
        var.mkdir(parents=True, exist_ok=True)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.vanilla.settings",
                "VANILLA_VAR": str(var),
                "GUNICORN_BIND": self.base_url.removeprefix("http://"),
            }
        )
        return env

    def __enter__(self):
        # startproject's first step: its SQLite database, migrated (the view reads nothing).
        subprocess.run(
            [PYTHON, "-m", "django", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=self.env(),
            check=True,
        )
        return super().__enter__()
