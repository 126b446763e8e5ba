"""A private PostgreSQL cluster and the portal served from it by a real server process, for
the fault tests. Nothing here is imported by the portal itself.

The cluster: `initdb` as the postgres user (it refuses root) in /tmp/faults-pg-*, on a free
loopback port, fsync off (a throwaway). The portal: gunicorn when it is installed, else
`manage.py runserver --noreload`, with production settings (DEBUG off, so a failing request
shows the friendly 500 page) and the cluster as DATABASE_URL.
"""

import contextlib
import http.client
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class Unavailable(Exception):
    """The machine cannot run this (not root, no PostgreSQL binaries): the test skips."""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command, check=True):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, command)],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


class Cluster:
    def __init__(self, port=None):
        if os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
            raise Unavailable("needs root, runuser and PostgreSQL's initdb in " + str(PG_BIN))
        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.root / "data"
        self.port = port or free_port()
        shutil.chown(self.root, "postgres")
        as_postgres(
            PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
            )

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def pg_ctl(self, *args):
        return as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", *args)

    def start(self):
        self.pg_ctl("-w", "-t", "60", "start")
        return self

    def stop(self, mode="fast"):
        self.pg_ctl("-w", "-m", mode, "stop")

    def destroy(self):
        """Stop whatever runs and remove the files: safe to call in any state."""
        if (self.data / "postmaster.pid").exists():
            as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def portal_env(cluster, media_root, static_root):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.server_settings",
        DATABASE_URL=cluster.url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: no TLS proxy in front, so no redirect to HTTPS.
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(media_root),
        STATIC_ROOT=str(static_root),
        AUTH_LDAP_SERVER_URI="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # The load uploads a file per save: no per-slot cap in the way.
        ATTACHMENT_MAX_FILES_PER_SLOT="100000",
        LOG_LEVEL="CRITICAL",
        PYTHONPATH=str(BASE_DIR),
    )
    return env


def python(env, *args):
    """Run Python (a script or `-c`) against the cluster in the repository; its stdout."""
    done = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return done.stdout


def django_run(env, code):
    """Run `code` in a fresh Python with Django set up against the cluster; its stdout."""
    return python(env, "-c", f"import django; django.setup()\n{code}")


def create_database(cluster):
    as_postgres(
        PG_BIN / "createdb", "-h", "127.0.0.1", "-p", cluster.port, "-U", "postgres", "portal"
    )


def migrate(env):
    python(env, "manage.py", "migrate", "--noinput", "-v", "0")


class Server:
    """The portal in its own process group, on a free port."""

    def __init__(self, env, workers=2, threads=4):
        self.port = free_port()
        self.log = open(Path(env["MEDIA_ROOT"]).parent / "server.log", "wb")  # noqa: SIM115
        if importlib.util.find_spec("gunicorn"):
            self.kind = "gunicorn"
            command = [
                sys.executable, "-m", "gunicorn", "exchange_portal.wsgi",
                "-b", f"127.0.0.1:{self.port}", "-w", str(workers), "-k", "gthread",
                "--threads", str(threads), "--timeout", "30", "--graceful-timeout", "5",
            ]  # fmt: skip
        else:
            self.kind = "runserver"
            command = [
                sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks",
                f"127.0.0.1:{self.port}",
            ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.kind} server exited: see {self.log.name}")
            with contextlib.suppress(OSError):
                if request(self.port, "GET", "/accounts/login/").status == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"the {self.kind} server did not answer within {seconds} s")

    def pids(self):
        """The server process and its workers: the same set after the fault means the
        portal was not restarted."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = children.read_text().split() if children.exists() else []
        return {self.process.pid, *map(int, found)}

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def request(port, method, path, *, cookies=None, fields=None, files=None, timeout=15):
    """One HTTP request on a new connection. `fields` is a dict of form values; `files`
    maps a field to (file name, bytes) and makes the body multipart."""
    headers = {}
    body = None
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if "csrftoken" in cookies:
            headers["X-CSRFToken"] = cookies["csrftoken"]
    if files:
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in (fields or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, data) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif fields is not None:
        body = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        # The headers as a message: `get` ignores case, `get_all("Set-Cookie")` has them all.
        return Response(response.status, response.msg, response.read())
    finally:
        connection.close()


class Browser:
    """One browser: its cookies, sent to whichever port it is pointed at."""

    def __init__(self, password):
        self.password = password
        self.cookies = {}

    def send(self, port, method, path, **kwargs):
        response = request(port, method, path, cookies=self.cookies, **kwargs)
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def sign_in(self, port, username, login="/accounts/login/"):
        assert self.send(port, "GET", login).status == 200
        fields = {
            "username": username,
            "password": self.password,
            "csrfmiddlewaretoken": self.cookies["csrftoken"],
        }
        response = self.send(port, "POST", login, fields=fields)
        assert response.status == 302, response.text[:2000]
        assert "sessionid" in self.cookies


SEED = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from apps.applications import services
from apps.attachments.models import AttachmentKind
from tests.builders import checked, form_data, COMPLETE
from tests.factories import ProgramFactory, StudentProfileFactory

program = ProgramFactory()
students = []
for _ in range({count}):
    user = StudentProfileFactory().user
    application, _ = services.start_application(program=program, student=user)
    files = [checked(AttachmentKind.TRANSCRIPT), checked(AttachmentKind.ENROLLMENT)]
    application = services.save_draft(
        application=application, user=user, changes=COMPLETE, new_files=files
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # Signed in as the login page would: with the configured local-accounts backend.
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    students.append(
        {{"session": session.session_key, "application": application.pk,
          "program": program.pk, "form": form_data(application)}}
    )
print(json.dumps(students, default=str))
"""


def seed(env, count):
    """`count` students, each signed in (a session) with a complete draft; as dicts."""
    return json.loads(django_run(env, SEED.format(count=count)).strip().splitlines()[-1])


REPORT = """
import json, os
from django.conf import settings
from apps.applications.models import Application
from apps.attachments.models import Attachment

rows = []
for application in Application.objects.prefetch_related("events", "attachments"):
    rows.append({
        "pk": application.pk,
        "status": application.status,
        "submitted": application.submitted_at is not None,
        "major": application.major,
        "events": [[e.kind, e.from_value, e.to_value] for e in application.events.order_by("pk")],
        "attachments": [[a.file.name, a.size] for a in application.attachments.all()],
    })
media = settings.MEDIA_ROOT
files = {}
for folder, _dirs, names in os.walk(media):
    for name in names:
        path = os.path.join(folder, name)
        files[os.path.relpath(path, media)] = os.path.getsize(path)
print(json.dumps({"applications": rows, "files": files}))
"""


def report(env):
    """Every application with its history and files, and every file in the media folder."""
    return json.loads(django_run(env, REPORT).strip().splitlines()[-1])
