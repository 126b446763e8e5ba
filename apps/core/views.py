import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# How long a browser or a proxy should wait before trying again when the database is away.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500: the portal's 500 page; a 503 with Retry-After for a database error that
    passes (OperationalError, InterfaceError: unreachable, restarting, failing over, also a
    deadlock or a statement timeout), since trying again later is then exactly right.
    Rendered without a request context, like Django's own."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    """A form sent with a stale or missing CSRF token: ask to reload, say nothing of why."""
    return render(request, "403_csrf.html", status=403)


@never_cache
@require_safe
def healthz(request):
    """For the load balancer (and the benchmark's ceiling): the app answers, nothing more.

    No database, cache or session access, so that it measures the server and the
    middleware only, and stays up while a dependency is being restarted.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
