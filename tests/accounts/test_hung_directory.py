"""A directory that accepts connections and never answers, with the project's own timeouts.

The login page must answer within 5 s saying the directory is unavailable, and a login
waiting on the directory must not stop anyone else from being served.
"""

import re
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.ldap_server import STUDENTS

ZHANG = "2021301000001"
DIRECTORY_DOWN = "统一身份认证服务暂时无法连接"

pytestmark = pytest.mark.ldap


@pytest.mark.django_db
def test_login_answers_within_five_seconds_with_the_default_timeouts(
    client, ldap_settings, silent_server
):
    # The connection options exactly as settings.py builds them (AUTH_LDAP_TIMEOUT).
    ldap_settings.AUTH_LDAP_SERVER_URI = silent_server

    started = time.monotonic()
    response = client.post(
        "/accounts/login/", {"username": ZHANG, "password": STUDENTS[ZHANG]["password"]}
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert DIRECTORY_DOWN in response.text
    assert elapsed < 5, f"login page took {elapsed:.1f} s with the directory hung"


class Browser:
    """A tiny cookie-keeping HTTP client for the live server (real sockets, real threads)."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read().decode()

    def login(self, username, password):
        _status, page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_login_hanging_on_the_directory_does_not_block_other_requests(
    live_server, ldap_settings, silent_server
):
    ldap_settings.AUTH_LDAP_SERVER_URI = silent_server
    hung = {}

    def hanging_login():
        started = time.monotonic()
        hung["result"] = Browser(live_server.url).login(ZHANG, STUDENTS[ZHANG]["password"])
        hung["elapsed"] = time.monotonic() - started

    logins = [threading.Thread(target=hanging_login) for _ in range(3)]
    for login in logins:
        login.start()
    time.sleep(0.5)  # the three logins are now waiting on the silent directory

    others = []
    for _ in range(5):
        started = time.monotonic()
        status, page = Browser(live_server.url).get("/accounts/login/")
        others.append(time.monotonic() - started)
        assert status == 200 and "登录" in page
    still_waiting = any(login.is_alive() for login in logins)
    for login in logins:
        login.join(timeout=15)

    assert still_waiting, "the logins were meant to be hanging while the others were served"
    assert max(others) < 1, f"other requests waited {max(others):.1f} s behind a hung login"
    status, page = hung["result"]
    assert status == 200 and DIRECTORY_DOWN in page
    assert hung["elapsed"] < 5
