"""A directory that accepts connections and never answers, with the project's own timeouts.

The login page must give up on it by its own timeout, saying the directory is
unavailable, and a login waiting on the directory must not stop anyone else from being
served. (How long the login takes is a figure for bench/, not an assertion here.)
"""

import re
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import ldap
import pytest

from tests.concurrency import wait_until
from tests.ldap_server import STUDENTS

ZHANG = "2021301000001"
DIRECTORY_DOWN = "统一身份认证服务暂时无法连接"

pytestmark = pytest.mark.ldap


@pytest.mark.django_db
def test_login_gives_up_on_a_silent_directory_by_its_own_default_timeout(
    client, ldap_settings, silent_server
):
    # The connection options exactly as settings.py builds them (AUTH_LDAP_TIMEOUT).
    ldap_settings.AUTH_LDAP_SERVER_URI = silent_server

    response = client.post(
        "/accounts/login/", {"username": ZHANG, "password": STUDENTS[ZHANG]["password"]}
    )

    assert response.status_code == 200
    assert DIRECTORY_DOWN in response.text
    assert silent_server.held, "the login reached the directory"
    assert not silent_server.hung_up(), "it gave up by its own timeout, not the server's"


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
    # The logins wait on the directory until it hangs up, not for a timeout that a busy
    # machine could reach while the others are being served.
    ldap_settings.AUTH_LDAP_CONNECTION_OPTIONS = {
        option: 120 if option in (ldap.OPT_NETWORK_TIMEOUT, ldap.OPT_TIMEOUT) else value
        for option, value in ldap_settings.AUTH_LDAP_CONNECTION_OPTIONS.items()
    }
    hung = []

    def hanging_login():
        hung.append(Browser(live_server.url).login(ZHANG, STUDENTS[ZHANG]["password"]))

    logins = [threading.Thread(target=hanging_login, daemon=True) for _ in range(3)]
    for login in logins:
        login.start()
    assert wait_until(lambda: len(silent_server.held) >= 3), "the logins reach the directory"

    for _ in range(5):
        status, page = Browser(live_server.url).get("/accounts/login/")
        assert status == 200 and "登录" in page
    assert all(login.is_alive() for login in logins), (
        "the others were served while the three logins were still waiting on the directory"
    )

    # The directory hangs up on one login at a time: each gets the page saying it is
    # unavailable (three failures written at the same instant would test SQLite's
    # single writer of the live server's test database, not the portal).
    for count, connection in enumerate(list(silent_server.held), start=1):
        connection.close()
        assert wait_until(lambda count=count: len(hung) >= count), "a login was answered"
    for login in logins:
        login.join(timeout=60)
    assert [(status, DIRECTORY_DOWN in page) for status, page in hung] == [(200, True)] * 3
