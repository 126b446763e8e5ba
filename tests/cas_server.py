"""A real CAS server for the test suite: django-mama-cas, in its own virtualenv.

django-mama-cas (a CAS 1.0/2.0/3.0 server written in Django) was last released for
Django 3.2/4.x, so it cannot live in the portal's virtualenv: `ensure_venv()` builds one
under var/ (once; reused while MAMA_CAS_REQUIREMENTS is unchanged, the folder is named
after their hash), and `CasServer` writes a tiny Django project around it into a
temporary folder, creates the people below, and runs it with `runserver` on a free
loopback port as a separate process. The portal validates real tickets against it and
receives its real single-sign-out requests: nothing about CAS is mocked.

Each person's released attributes live in a JSON file that the server reads at every
validation, so a test can change them between two sign-ins (`set_attributes`).
`python -m tests.cas_server` builds the virtualenv (scripts/setup.sh runs it).
"""

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tests.ldap_server import STAFF, STUDENTS, ServerProcess, free_loopback_port, group_dn

BASE_DIR = Path(__file__).resolve().parent.parent
MAMA_CAS_REQUIREMENTS = ["Django==4.2.30", "django-mama-cas==2.5.0", "requests==2.34.2"]

OUTBOUND_GROUP_DN = group_dn("outbound-office")
HMT_GROUP_DN = group_dn("hmt-office")

# username -> password and the attributes the server releases (LDAP names, as a CAS
# server in front of the university directory releases them).
PEOPLE = {
    **{
        uid: {"password": student["password"], "attrs": dict(student["attrs"])}
        for uid, student in STUDENTS.items()
    },
    # A clerk of 学生出国事务办公室, known to the office by group membership only.
    "t0001": {
        "password": STAFF["t0001"]["password"],
        "attrs": {**STAFF["t0001"]["attrs"], "memberOf": [OUTBOUND_GROUP_DN]},
    },
}


class CasServerUnavailable(RuntimeError):
    """The CAS server's virtualenv could not be built or the server would not start."""


def venv_dir():
    digest = hashlib.sha256(
        "\n".join([sys.version.split()[0], *MAMA_CAS_REQUIREMENTS]).encode()
    ).hexdigest()[:12]
    return BASE_DIR / "var" / f"mama-cas-venv-{digest}"


def ensure_venv():
    """The virtualenv's python, building it first if needed (under a file lock)."""
    target = venv_dir()
    python = target / "bin" / "python"
    complete = target / ".complete"
    if complete.exists():
        return python
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".mama-cas-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if complete.exists():  # another process built it while we waited
            return python
        shutil.rmtree(target, ignore_errors=True)  # an interrupted build
        try:
            base_python = getattr(sys, "_base_executable", sys.executable)
            _run([base_python, "-m", "venv", str(target)])
            _run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
                + MAMA_CAS_REQUIREMENTS
            )
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        complete.touch()
    return python


def _run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise CasServerUnavailable(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result


SETTINGS = """
import json, os
BASE = os.path.dirname(__file__)
SECRET_KEY = "mama-cas-test-server"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "mama_cas",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "cas_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.path.join(BASE, "cas.sqlite3")}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MAMA_CAS_ENABLE_SINGLE_SIGN_OUT = True
MAMA_CAS_FOLLOW_LOGOUT_URL = True
MAMA_CAS_SERVICES = [
    {   # the portal under test (test client, live server)
        "SERVICE": r"^http://(testserver|localhost|127\\.0\\.0\\.1)(:\\d+)?/",
        "CALLBACKS": ["cas_attrs.release"],
        "LOGOUT_ALLOW": True,
    },
    {   # another application of the university (its tickets must not open the portal)
        "SERVICE": r"^https://other\\.example\\.org/",
        "CALLBACKS": ["cas_attrs.release"],
    },
]
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("cas/", include("mama_cas.urls"))]
"""

ATTRS = """
import json, os
def release(user, service):
    with open(os.path.join(os.path.dirname(__file__), "people.json"), encoding="utf-8") as f:
        return json.load(f)[user.get_username()]["attrs"]
"""

CREATE_PEOPLE = """
import json, os, django
django.setup()
from django.contrib.auth.models import User
with open("people.json", encoding="utf-8") as f:
    for username, person in json.load(f).items():
        User.objects.create_user(username, password=person["password"])
"""


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


class CasServer(ServerProcess):
    """One mama-cas server: `start()`, use `url` (CAS_SERVER_URL), `stop()`."""

    start_timeout = 60.0

    def __init__(self, people=PEOPLE):
        self.people = json.loads(json.dumps(people))
        self.tmpdir = None
        self.process = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/cas/"

    def start(self):
        python = ensure_venv()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="portal-cas-"))
        try:
            for name, text in {
                "cas_settings.py": SETTINGS,
                "cas_urls.py": URLS,
                "cas_attrs.py": ATTRS,
                "create_people.py": CREATE_PEOPLE,
            }.items():
                (self.tmpdir / name).write_text(text, encoding="utf-8")
            self._write_people()
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cas_settings", "PYTHONPATH": "."}
            env.pop("DATABASE_URL", None)
            self._env = env
            self._manage(python, "migrate", "-v", "0", "--noinput")
            _run_in(self.tmpdir, [str(python), "create_people.py"], env)
            self._launch(python)
        except BaseException:
            self.stop()
            raise
        return self

    # --- What the registry office does between two sign-ins -------------------------

    def set_attributes(self, username, **attrs):
        """Replace released attributes (a value None removes the attribute)."""
        released = self.people[username]["attrs"]
        for name, value in attrs.items():
            if value is None:
                released.pop(name, None)
            else:
                released[name] = value
        self._write_people()

    # --- A browser's part, for tests that do not drive Chromium -----------------------

    def ticket_for(self, service, username, session=None):
        """Sign in at the CAS server as `username` and return the ticket it issues for
        `service` (and the requests session holding the CAS sign-on cookie)."""
        session = session or requests.Session()
        login = f"{self.url}login?{urlencode({'service': service})}"
        page = session.get(login, allow_redirects=False, timeout=30)
        if page.status_code != 302:  # no single sign-on session yet: the form
            fields = _FormFields()
            fields.feed(page.text)
            data = {
                **fields.fields,
                "username": username,
                "password": self.people[username]["password"],
            }
            page = session.post(login, data=data, allow_redirects=False, timeout=30)
        if page.status_code != 302:
            raise AssertionError(f"CAS login for {username} failed: {page.status_code}")
        location = page.headers["Location"]
        ticket = parse_qs(urlsplit(location).query).get("ticket", [None])[0]
        assert ticket and re.match(r"^ST-", ticket), location
        return ticket, session

    def logout(self, session):
        """End the CAS session of `session` at the server (it then sends its SLO)."""
        return session.get(f"{self.url}logout", allow_redirects=False, timeout=30)

    # --- Internals ------------------------------------------------------------------------

    def _write_people(self):
        path = self.tmpdir / "people.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.people, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def _manage(self, python, *args):
        _run_in(self.tmpdir, [str(python), "-m", "django", *args], self._env)

    def _launch(self, python):
        self.port = free_loopback_port()
        self._log = self.tmpdir / "server.log"
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(python),
                    "-m",
                    "django",
                    "runserver",
                    "--noreload",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=self.tmpdir,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}login", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        log_text = self._log.read_text(errors="replace") if self._log.exists() else ""
        raise CasServerUnavailable(f"mama-cas did not start on {self.url}:\n{log_text[-3000:]}")


def _run_in(cwd, command, env):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise CasServerUnavailable(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )


if __name__ == "__main__":
    print(ensure_venv())
