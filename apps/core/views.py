from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


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
