"""Production settings come from the environment alone, and pass Django's deploy checks.

Each test starts a fresh interpreter with the variables a deployment sets (README
"Deploy"), so what is tested is settings.py reading them, not overridden settings.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "exchange.example.edu.cn"


def production_env(**changes):
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the developer's or the test run's own settings leaks in.
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "AUTH_LDAP_"))
        and key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "BEHIND_TLS_PROXY", "FIELD_ENCRYPTION_KEYS"}
        and key not in {"CACHE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="exchange_portal.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        BEHIND_TLS_PROXY="true",
        # Shared by every worker (portal.W002); `check` does not connect to it.
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    env.update(changes)
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_at_warning_level_with_production_variables():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_the_development_defaults():
    env = production_env(DEBUG="true", SECRET_KEY="dev-only-insecure-key-change-me")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


# --- Fail closed: production without its secrets does not start ----------------------


def without(env, *names):
    return {key: value for key, value in env.items() if key not in names}


@pytest.mark.parametrize(
    "env, variable",
    [
        pytest.param(without(production_env(), "SECRET_KEY"), "SECRET_KEY", id="no-secret-key"),
        pytest.param(production_env(SECRET_KEY=" "), "SECRET_KEY", id="blank-secret-key"),
        pytest.param(
            production_env(SECRET_KEY="dev-only-insecure-key-change-me"),
            "SECRET_KEY",
            id="development-secret-key",
        ),
        pytest.param(
            without(production_env(), "FIELD_ENCRYPTION_KEYS"),
            "FIELD_ENCRYPTION_KEYS",
            id="no-field-encryption-keys",
        ),
        pytest.param(
            production_env(FIELD_ENCRYPTION_KEYS=","),
            "FIELD_ENCRYPTION_KEYS",
            id="empty-field-encryption-keys",
        ),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["manage.py", "check"], id="manage.py"),
        # What gunicorn loads (deploy/systemd): the WSGI application itself refuses.
        pytest.param(["-c", "import exchange_portal.wsgi"], id="wsgi"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, variable, command):
    result = run(command, env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_development_starts_without_any_secret():
    env = without(production_env(DEBUG="true"), "SECRET_KEY", "FIELD_ENCRYPTION_KEYS")

    result = run(["manage.py", "check"], env)

    assert result.returncode == 0, result.stderr


PRINT_SETTINGS = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS", "CSRF_FAILURE_VIEW", "AXES_FAILURE_LIMIT",
    "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY",
]}))
"""


def production_settings(**changes):
    result = run(["-c", PRINT_SETTINGS], production_env(**changes))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_switches_are_on_when_debug_is_off():
    values = production_settings()

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["CSRF_FAILURE_VIEW"] == "apps.core.views.csrf_failure"
    assert values["AXES_FAILURE_LIMIT"] <= 5
    assert values["LANGUAGE_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_HTTPONLY"]
    assert values["LANGUAGE_COOKIE_SAMESITE"] == "Lax"


def test_without_the_proxy_the_forwarded_proto_header_is_not_trusted():
    assert production_settings(BEHIND_TLS_PROXY="false")["SECURE_PROXY_SSL_HEADER"] is None


# A request through the full middleware stack of a production process. The page is a
# redirect (no template, no database), so no collectstatic manifest is needed.
FETCH = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST=%(host)r)
out = {}
for name, extra in [("http", {}), ("https", {"HTTP_X_FORWARDED_PROTO": "https"})]:
    response = client.get("/applications/", **extra)
    out[name] = {"status": response.status_code, "location": response.get("Location", ""),
                 "headers": dict(response.headers)}
response = client.post("/i18n/setlang/", {"language": "en"}, HTTP_X_FORWARDED_PROTO="https")
out["language_cookie"] = response.cookies["django_language"].output()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses():
    result = run(["-c", FETCH % {"host": HOST}], production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_redirected_to_https(production_responses):
    http = production_responses["http"]
    assert http["status"] == 301
    assert http["location"] == f"https://{HOST}/applications/"


def test_https_through_the_proxy_gets_the_security_headers(production_responses):
    https = production_responses["https"]
    headers = {name.lower(): value for name, value in https["headers"].items()}

    assert https["status"] == 302  # to the login page: the request was taken as HTTPS
    assert "/accounts/login/" in https["location"]
    assert headers["strict-transport-security"] == ("max-age=31536000; includeSubDomains; preload")
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_the_language_cookie_is_secure_like_the_session_cookie(production_responses):
    cookie = production_responses["language_cookie"].lower()

    assert "django_language=en" in cookie
    assert "; secure" in cookie
    assert "samesite=lax" in cookie
    assert "httponly" in cookie
