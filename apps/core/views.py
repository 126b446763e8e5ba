from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form sent without its security token (a page left open across a sign-in, a
    cleared cookie, or another site posting here): say what to do, in the portal's look
    and language, and nothing technical. Set as CSRF_FAILURE_VIEW."""
    return render(request, "403_csrf.html", status=403)
