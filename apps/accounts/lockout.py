"""Login lockout (django-axes): who is counted, and what a locked-out student is told."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import PortalLoginForm
from .helpdesk import helpdesk_contact


def client_ip(request):
    """The address a failed login is counted against.

    Behind the TLS proxy (BEHIND_TLS_PROXY) every request comes from the proxy, which
    appends the address it saw to X-Forwarded-For: the last entry is the one it vouches
    for (earlier entries are whatever the client sent, and can be forged).
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def not_a_password_failure(request, credentials):
    """Failed sign-ins that are not counted against the 学号 + address.

    An attempt the directory or CAS server never answered is not a wrong password. Nor is
    a CAS ticket the server refused (replayed, expired, for another application): no
    password was typed here (the CAS server counts its own failures), and with no 学号
    known yet, counting it by address alone would let anyone behind a campus NAT lock
    everyone there out of 统一身份认证 with five made-up tickets.
    """
    if getattr(request, "ldap_problem", None) == "unavailable":
        return True
    return getattr(request, "cas_problem", None) is not None


def retry_at(username, ip_address):
    """When the username + address pair may sign in again."""
    from axes.models import AccessAttempt

    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and until when (HTTP 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = timezone.localtime(retry_at(username, client_ip(request)))
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    form = PortalLoginForm(request, initial={"username": username})
    message = _(
        "登录失败次数过多，该学号已被暂时锁定。请在 %(time)s（约 %(minutes)s 分钟后）再试；"
        "如需提前解锁，请联系%(contact)s。"
    ) % {"time": until.strftime("%H:%M"), "minutes": minutes, "contact": helpdesk_contact()}
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_message": message, "next": request.POST.get("next", "")},
        status=429,
    )
