"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from exchange_portal.urls import handler500  # noqa: F401  (the project's, for this URLconf)
from exchange_portal.urls import urlpatterns as project_urlpatterns

SECRET_DETAIL = "secret-detail-/srv/portal/settings.py"


def forbidden(request):
    raise PermissionDenied(SECRET_DETAIL)


def suspicious(request):
    raise SuspiciousOperation(SECRET_DETAIL)


def broken(request):
    raise RuntimeError(SECRET_DETAIL)


def database_away(request):
    raise OperationalError(f"could not connect to server: {SECRET_DETAIL}")


urlpatterns = [
    path("test-errors/403/", forbidden),
    path("test-errors/400/", suspicious),
    path("test-errors/500/", broken),
    path("test-errors/503/", database_away),
    *project_urlpatterns,
]
