from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form sent with a stale or missing CSRF token: ask to reload, say nothing of why."""
    return render(request, "403_csrf.html", status=403)
