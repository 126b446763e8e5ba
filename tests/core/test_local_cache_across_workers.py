"""The embedded default served by more than one process (apps/core/local_cache.py): two
gunicorn servers on one SQLite file and one machine, each keeping the session and the
signed-in user in its own memory. What one process changes, the other sees at once: a
sign-out, and an account deactivated from a third process (a management shell)."""

import importlib.util
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.faults import portal
from tests.faults.portal import request

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gunicorn") is None, reason="needs gunicorn (requirements.txt)"
)

PASSWORD = "embedded-pass-2026"
LIST = "/applications/"
SEED = """
from tests.factories import StudentProfileFactory
user = StudentProfileFactory(user__username={username!r}).user
user.set_password({password!r})
user.save()
print(user.username)
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CACHE_", "REDIS_", "CELERY_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.server_settings",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CACHE_LOCAL_LOG=str(folder / "cache-log"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        AUTH_LDAP_SERVER_URI="",
        LOG_LEVEL="CRITICAL",
        PYTHONPATH=str(portal.BASE_DIR),
    )
    portal.migrate(env)
    return env


class Gunicorn(portal.Server):
    """One gunicorn master with one sync worker: a process of its own, on its own port."""

    def __init__(self, env, folder):
        self.kind = "gunicorn"
        self.port = portal.free_port()
        self.log = open(folder / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "exchange_portal.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "1",
                "-k",
                "sync",
            ],  # fmt: skip
            cwd=portal.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def servers(env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("servers")
    running = [Gunicorn(env, folder), Gunicorn(env, folder)]
    try:
        for server in running:
            server.wait_until_up()
        yield [server.port for server in running]
    finally:
        for server in running:
            server.stop()


class Browser(portal.Browser):
    """A student's browser, its cookies sent to whichever server it is pointed at."""

    def __init__(self):
        super().__init__(PASSWORD)

    def list_status(self, port):
        """200: the list shown; 302: sent to sign in."""
        return request(port, "GET", LIST, cookies=self.cookies).status


@pytest.fixture
def student(env):
    username = f"2026{secrets.randbelow(10**9):09d}"  # each test its own student
    return portal.django_run(env, SEED.format(username=username, password=PASSWORD)).split()[-1]


def test_a_sign_out_on_one_worker_signs_out_on_the_other(servers, student):
    a, b = servers
    browser = Browser()
    browser.sign_in(a, student)
    # Both keep the session and the user in their memory.
    assert browser.list_status(a) == browser.list_status(b) == 200
    assert browser.list_status(b) == 200

    kept = dict(browser.cookies)
    assert browser.send(a, "POST", "/accounts/logout/", fields={}).status == 302

    old_cookies = Browser()
    old_cookies.cookies = kept
    assert old_cookies.list_status(b) == 302
    assert old_cookies.list_status(a) == 302


def test_an_account_deactivated_elsewhere_is_signed_out_on_every_worker(env, servers, student):
    a, b = servers
    browser = Browser()
    browser.sign_in(b, student)
    assert browser.list_status(a) == browser.list_status(b) == 200

    portal.django_run(
        env,
        "from django.contrib.auth import get_user_model\n"
        f"user = get_user_model().objects.get(username={student!r})\n"
        "user.is_active = False\n"
        "user.save()\n",
    )

    assert browser.list_status(a) == 302
    assert browser.list_status(b) == 302
