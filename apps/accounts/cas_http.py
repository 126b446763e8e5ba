"""The HTTP session django-cas-ng validates tickets with: never without a time limit.

python-cas calls `session.get(...)` with no timeout, so a CAS server that accepts the
connection and never answers would hold the worker for ever. This session adds
CAS_TIMEOUT (seconds, connect and read) to every request that does not set one. Kept
free of models so that the settings can name it (CAS_SESSION_FACTORY).
"""

from urllib.parse import urlsplit

import requests
from django.conf import settings


class TimeLimitedSession(requests.Session):
    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", settings.CAS_TIMEOUT)
        return super().request(method, url, **kwargs)


def validation_session():
    return TimeLimitedSession()


def cas_origin(server_url):
    """`https://cas.example.edu.cn` of a CAS_SERVER_URL (for the CSP's form-action)."""
    parts = urlsplit(server_url)
    return f"{parts.scheme}://{parts.netloc}"
