"""The portal as a small production installation on loopback, for the multi-node test:
a PostgreSQL primary and its streaming replica, Redis, an S3-compatible endpoint (moto's
server mode), a Celery worker, gunicorn nodes and nginx. Every process is started here,
in temporary folders, on its own ports, and stopped (and its files removed) by `stop`.

The primary, the request helper and the Django runner are the fault tests' own
(tests/faults/portal.py), the S3 endpoint the storage tests' (tests/s3_server.py, in this
process); nginx is tests/cluster/nginx.py. Ports are free ones picked by
the kernel, or consecutive from CLUSTER_PORT_BASE (deploy/test-cluster passes one, so
that the processes of a run are easy to find).
"""

import contextlib
import importlib.util
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from tests.cluster import nginx
from tests.faults import portal
from tests.faults.portal import BASE_DIR, PG_BIN, Unavailable, as_postgres

DATABASE = "exchange_portal_cluster"


def missing():
    """Why this machine cannot run the cluster test, or None."""
    if os.geteuid() != 0 or not (PG_BIN / "pg_basebackup").exists():
        return f"needs root and PostgreSQL's initdb and pg_basebackup in {PG_BIN}"
    if not nginx.available():
        return "needs nginx (Debian's package: scripts/setup.sh installs it)"
    if not shutil.which("redis-server"):
        return "needs redis-server"
    for module in ("gunicorn", "celery", "moto", "storages"):
        if not importlib.util.find_spec(module):
            return f"needs the Python package {module} (requirements-dev.txt)"
    # The parts of issue 8 this test puts together, built on their own branches.
    if not importlib.util.find_spec("exchange_portal.celery"):
        return "needs the Celery app (exchange_portal/celery.py)"
    if not importlib.util.find_spec("apps.core.db_router") or not importlib.util.find_spec(
        "tests.s3_server"
    ):
        return "needs the S3 storage and the replica router (apps/core/db_router.py)"
    return None


class Ports:
    def __init__(self):
        base = os.environ.get("CLUSTER_PORT_BASE")
        self._next = itertools.count(int(base)) if base else None

    def take(self):
        return next(self._next) if self._next else portal.free_port()


class Replica(portal.Cluster):
    """A hot standby of `primary`, made by `pg_basebackup -R` (streaming replication)."""

    def __init__(self, primary, port):
        self.root = Path(tempfile.mkdtemp(prefix="cluster-replica-"))
        self.data = self.root / "data"
        self.port = port
        shutil.chown(self.root, "postgres")
        # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written
        # while the copy runs. initdb's pg_hba already trusts replication from loopback.
        as_postgres(
            PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
            "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nunix_socket_directories = '{self.root}'\nhot_standby = on\n"
            )


class Process:
    """A long-running command in its own process group, its output in a log file."""

    def __init__(self, name, command, folder, env=None):
        self.name = name
        self.log_path = Path(folder) / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self):
        return self.process.poll() is None

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """SIGKILL to the whole group (a gunicorn master and its workers): a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(what, probe, seconds=60, process=None):
    """Poll `probe` until it returns something true; that value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.output()[-3000:]}")
        with contextlib.suppress(Exception):
            if value := probe():
                return value
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not within {seconds} s")


class Stack:
    """Everything, started in dependency order by `start`; `stop` is safe at any point."""

    def __init__(self, nodes=2, node_workers=2):
        if reason := missing():
            raise Unavailable(reason)
        self.folder = Path(tempfile.mkdtemp(prefix="cluster-"))
        self.ports = Ports()
        self.node_count, self.node_workers = nodes, node_workers
        self.primary = self.replica = self.redis = self.s3 = self.worker = self.nginx = None
        self.nodes = []
        self.smtp_port = None

    # --- the environment every process reads (deploy/portal.env.example) ----------------

    def env(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        for key in list(env):  # nothing of the developer's own configuration leaks in
            if key.startswith(("AWS_", "CELERY_", "GUNICORN_")) or key in (
                "DATABASE_URL", "DATABASE_REPLICA_URL", "CACHE_URL", "REDIS_URL", "WEB_CONCURRENCY"
            ):  # fmt: skip
                del env[key]
        env.update(self.settings)
        return env

    def _settings(self):
        from tests import s3_server

        database = f"postgres://postgres@127.0.0.1:{{port}}/{DATABASE}"
        return {
            "DJANGO_SETTINGS_MODULE": "exchange_portal.settings",
            "PYTHONPATH": str(BASE_DIR),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            # nginx speaks plain HTTP on loopback here: no TLS to redirect to.
            "BEHIND_TLS_PROXY": "true",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": database.format(port=self.primary.port),
            "DATABASE_REPLICA_URL": database.format(port=self.replica.port),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "AWS_ACCESS_KEY_ID": s3_server.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": s3_server.SECRET_KEY,
            "AWS_S3_REGION_NAME": s3_server.REGION,
            # Nothing may land here: files go to the bucket (checked by the test).
            "MEDIA_ROOT": str(self.folder / "media"),
            "STATIC_ROOT": str(self.folder / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port or portal.free_port()),
            "EMAIL_TIMEOUT": "5",
            "AUTH_LDAP_SERVER_URI": "",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.nginx_port}",
            "LOG_LEVEL": "WARNING",
        }

    # --- start ------------------------------------------------------------------------

    def start(self, smtp_port=None):
        self.smtp_port = smtp_port
        ports = self.ports
        self.primary = portal.Cluster(port=ports.take())
        with open(self.primary.data / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\n")
        self.primary.start()
        self.replica = Replica(self.primary, ports.take()).start()
        self.redis_port = ports.take()
        self.redis = Process(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            self.folder,
        )  # fmt: skip
        # moto's server mode in this process (tests/s3_server.py), on its own port: the
        # nodes and the worker reach it over HTTP like any S3 endpoint.
        from tests.s3_server import MotoS3

        self.s3 = MotoS3().start()
        self.bucket = self.s3.new_bucket()
        self.nginx_port = ports.take()
        node_ports = [ports.take() for _ in range(self.node_count)]
        self.settings = self._settings()
        env = self.env()

        portal.as_postgres(
            PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.primary.port, "-U", "postgres",
            DATABASE,
        )  # fmt: skip
        portal.migrate(env)
        portal.python(env, "manage.py", "collectstatic", "--noinput", "-v", "0")

        self.worker = self.start_worker(env)
        for n, port in enumerate(node_ports):
            self.nodes.append(Node(f"node-{'AB'[n] if n < 2 else n}", port, self, env))
        for node in self.nodes:
            node.wait_until_up()
        self.nginx = nginx.Nginx(self.nginx_port, node_ports).start()
        wait_for(
            "the Celery worker is ready",
            lambda: "ready." in self.worker.output(),
            process=self.worker,
        )
        return self

    def start_worker(self, env):
        return Process(
            "celery-worker",
            [sys.executable, "-m", "celery", "-A", "exchange_portal", "worker",
             "--loglevel=INFO", "--concurrency=1", "--without-gossip", "--without-mingle"],
            self.folder,
            env,
        )  # fmt: skip

    # --- what the test looks at ---------------------------------------------------------

    def bucket_keys(self, prefix=""):
        """{key: size} of the objects in the bucket."""
        pages = self.s3.client().get_paginator("list_objects_v2")
        pages = pages.paginate(Bucket=self.bucket, Prefix=prefix)
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}

    def bucket_object(self, key):
        return self.s3.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def sql(self, cluster, query, *params):
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=cluster.port, user="postgres", dbname=DATABASE
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def django(self, code):
        return portal.django_run(self.env(), code)

    def media_files(self):
        media = Path(self.settings["MEDIA_ROOT"])
        return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())

    # --- stop -------------------------------------------------------------------------

    def stop(self):
        for part in [self.nginx, *self.nodes, self.worker, self.s3, self.redis]:
            if part is not None:
                with contextlib.suppress(Exception):
                    part.stop()
        for cluster in (self.replica, self.primary):
            if cluster is not None:
                cluster.destroy()
        shutil.rmtree(self.folder, ignore_errors=True)


class Node(Process):
    """One app node: gunicorn with deploy/gunicorn.conf.py, as systemd would start it."""

    def __init__(self, name, port, stack, env):
        self.port = port
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(stack.node_workers),
        }
        super().__init__(
            name,
            [sys.executable, "-m", "gunicorn", "-c", str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
             "exchange_portal.wsgi"],
            stack.folder,
            env,
        )  # fmt: skip

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def wait_until_up(self):
        wait_for(
            f"{self.name} answers /healthz/",
            lambda: portal.request(self.port, "GET", "/healthz/", timeout=2).status == 200,
            process=self,
        )
