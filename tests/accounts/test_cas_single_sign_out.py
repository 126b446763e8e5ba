"""Single sign-out both ways, with the real CAS server calling the live portal.

The CAS server's logout request (SLO) is an HTTP POST from its process to the portal's
service URL, so these tests run the portal as a live server; requests sessions play
the browser (one cookie jar per server: both are on loopback). The portal keeps its
sessions as in production: cached_db, with the cache in Redis (skipped without a Redis
on 127.0.0.1:6379, which .ci/run starts).
"""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django_cas_ng.models import SessionTicket

pytestmark = [pytest.mark.cas, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/13"
ZHANG = "2021301000001"
SESSION_CACHE_PREFIX = "django.contrib.sessions.cached_db"


@pytest.fixture
def redis_sessions(cas_settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cas_settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cas_settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"cas-slo-{uuid.uuid4().hex[:8]}",
        }
    }
    yield cas_settings
    cache.clear()


class Browser:
    def __init__(self):
        self.portal = requests.Session()
        self.cas = requests.Session()


def sign_in(live_server, cas_server, browser, next_url="/applications/"):
    """The browser's round trip: portal -> CAS login form -> portal with a ticket."""
    start = browser.portal.get(
        f"{live_server.url}/accounts/cas/login/", params={"next": next_url}, allow_redirects=False
    )
    service = parse_qs(urlsplit(start.headers["Location"]).query)["service"][0]
    ticket, _ = cas_server.ticket_for(service, ZHANG, session=browser.cas)
    back = browser.portal.get(service, params={"ticket": ticket}, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == next_url
    return browser.portal.cookies["sessionid"]


def signed_in(live_server, browser):
    page = browser.portal.get(f"{live_server.url}/applications/", allow_redirects=False)
    return page.status_code == 200


def cas_session_alive(cas_server, browser, live_server):
    """Does the CAS server still have a single sign-on session for this browser?"""
    page = browser.cas.get(
        f"{cas_server.url}login",
        params={"service": f"{live_server.url}/accounts/cas/login/"},
        allow_redirects=False,
    )
    return page.status_code == 302  # a ticket straight away, no password form


def session_stored(session_key):
    in_cache = cache.get(f"{SESSION_CACHE_PREFIX}{session_key}") is not None
    return in_cache, Session.objects.filter(session_key=session_key).exists()


@pytest.mark.parametrize("version", ["3", "2"])
def test_cas_logout_request_ends_the_portal_session_in_redis_and_database(
    live_server, cas_server, redis_sessions, version
):
    redis_sessions.CAS_VERSION = version
    browser = Browser()
    session_key = sign_in(live_server, cas_server, browser)
    assert signed_in(live_server, browser)
    assert session_stored(session_key) == (True, True)
    assert SessionTicket.objects.filter(session_key=session_key).exists()

    # The student signs out of the university's CAS (from another application): the
    # server posts its logout request to the portal before answering.
    cas_server.logout(browser.cas)

    assert session_stored(session_key) == (False, False)
    assert not SessionTicket.objects.filter(session_key=session_key).exists()
    assert not signed_in(live_server, browser)


def test_portal_logout_ends_the_cas_session_too(live_server, cas_server, redis_sessions):
    browser = Browser()
    session_key = sign_in(live_server, cas_server, browser)
    assert cas_session_alive(cas_server, browser, live_server)
    # (That check consumed nothing: the ticket it was handed is simply never used.)
    page = browser.portal.get(f"{live_server.url}/applications/")
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    logout = browser.portal.post(
        f"{live_server.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{live_server.url}/applications/"},
        allow_redirects=False,
    )

    # To the CAS server's logout, which comes back to the portal's login page.
    location = logout.headers["Location"]
    assert location.startswith(f"{cas_server.url}logout?")
    assert parse_qs(urlsplit(location).query)["service"] == [f"{live_server.url}/accounts/login/"]
    assert session_stored(session_key) == (False, False)
    back = browser.cas.get(location, allow_redirects=False)
    assert back.headers["Location"] == f"{live_server.url}/accounts/login/"
    assert not cas_session_alive(cas_server, browser, live_server)
    assert not signed_in(live_server, browser)


def test_a_forged_logout_request_for_an_unknown_ticket_ends_nothing(
    live_server, cas_server, cas_settings
):
    browser = Browser()
    sign_in(live_server, cas_server, browser)

    forged = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x" Version="2.0" '
        'IssueInstant="2026-01-01T00:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
        "<samlp:SessionIndex>ST-guessed</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    requests.post(f"{live_server.url}/accounts/cas/login/", data={"logoutRequest": forged})

    assert signed_in(live_server, browser)
