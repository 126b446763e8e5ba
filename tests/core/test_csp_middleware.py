"""The Content-Security-Policy header, built once (apps.core.middleware.PortalCSPMiddleware):
the same header django-csp builds, following the settings, and django-csp's own path for
a response that varies its policy."""

import pytest
from csp.decorators import csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.middleware import PortalCSPMiddleware

pytestmark = pytest.mark.django_db


def _served(view):
    request = RequestFactory().get("/somewhere/")
    return PortalCSPMiddleware(view)(request)


def test_every_page_gets_django_csps_policy(client):
    response = client.get("/accounts/login/")
    assert response["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_changed_setting_changes_the_header(client, settings):
    client.get("/healthz/")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/healthz/")["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    report_only = client.get("/healthz/")["Content-Security-Policy-Report-Only"]
    assert report_only == build_policy(report_only=True)
    assert "img-src 'self'" in report_only


def test_a_response_that_varies_its_policy_gets_it():
    response = _served(
        csp_update({"img-src": "https://maps.example.edu"})(lambda r: HttpResponse())
    )
    assert "img-src 'self' data: https://maps.example.edu" in response["Content-Security-Policy"]


def test_an_excluded_prefix_and_an_exempt_response_get_no_header(settings):
    settings.CONTENT_SECURITY_POLICY = {
        "EXCLUDE_URL_PREFIXES": ["/some"],
        "DIRECTIVES": {"default-src": ["'self'"]},
    }
    assert "Content-Security-Policy" not in _served(lambda r: HttpResponse())

    def exempt(request):
        response = HttpResponse()
        response._csp_exempt = True
        return response

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    assert "Content-Security-Policy" not in _served(exempt)
