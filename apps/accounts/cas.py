"""统一身份认证 single sign-on (CAS 2.0/3.0) with django-cas-ng.

The CAS server checks the password; the portal redirects to it, receives a ticket on
its return and validates that ticket with the server (with CAS_TIMEOUT). Attributes the
server releases fill the profile and the office groups through the same rules as the
directory's (apps.accounts.identity). What this module adds to django-cas-ng:

- a `next` that is checked with Django's own rules before it is put in the service URL
  and again after the ticket (django-cas-ng would follow an unchecked one);
- a server that is down, hung or answers nonsense, and a ticket it refuses (replayed,
  issued for another service, expired), give the login page with a Chinese message
  instead of a hang, a 500 or a bare 403;
- the portal's 退出 ends the CAS session too, and the CAS server's logout request
  (single sign-out) deletes the portal session wherever it is kept (cache and database).
"""

import logging
from xml.etree.ElementTree import ParseError

import requests
from cas import CASError, SingleLogoutMixin
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng import views as cas_views
from django_cas_ng.backends import CASBackend
from django_cas_ng.signals import cas_user_authenticated
from lxml.etree import XMLSyntaxError

from .forms import PortalLoginForm
from .identity import attribute_values, sync_office_groups, sync_profile
from .user_cache import signed_in_user

logger = logging.getLogger(__name__)

BACKEND_PATH = "apps.accounts.cas.PortalCASBackend"

# The server could not be reached or did not answer within CAS_TIMEOUT.
OUTAGE_ERRORS = (requests.ConnectionError, requests.Timeout)
# It answered, but not with a CAS response (an error page, a proxy's HTML).
GARBLED_ERRORS = (requests.RequestException, ParseError, XMLSyntaxError, CASError, IndexError)


def cas_enabled():
    return "cas" in settings.AUTH_METHODS


class PortalCASBackend(CASBackend):
    """django-cas-ng's backend, telling the login page why a ticket was not accepted."""

    def authenticate(self, request, ticket, service):
        try:
            user = super().authenticate(request, ticket=ticket, service=service)
        except OUTAGE_ERRORS as exc:
            logger.warning("CAS server unreachable while validating a ticket: %r", exc)
            request.cas_problem = "unavailable"
            return None
        except GARBLED_ERRORS as exc:
            logger.warning("CAS server gave no usable validation response: %r", exc)
            request.cas_problem = "error"
            return None
        if request is not None:
            # django-cas-ng keeps the released attributes in the session; the profile has
            # what the portal needs, the rest (phone numbers...) does not belong there.
            request.session.pop("attributes", None)
            if user is None:
                request.cas_problem = "refused"
        return user

    def configure_user(self, user):
        # The CAS server holds the password, not the portal (as for the directory).
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return user

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _apply_attributes(sender, user, attributes, **kwargs):
    """The released attributes: profile fields and office groups, as for LDAP."""
    attributes = attributes or {}
    sync_profile(user, attributes)
    sync_office_groups(user, attribute_values(attributes, settings.CAS_GROUP_ATTRIBUTE))


cas_user_authenticated.connect(_apply_attributes, dispatch_uid="portal-cas-attributes")


def safe_next(request, candidate):
    """`candidate` if it stays on this portal, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def login_failed(request, problem, next_url):
    """The portal's login page with why the single sign-on did not work (never a 500)."""
    messages = {
        "unavailable": _("统一身份认证服务暂时无法连接，请稍后再试。"),
        "error": _(
            "统一身份认证服务未能完成登录，请稍后再试；如果问题持续，请联系学生出国事务办公室。"
        ),
        "refused": _("统一身份认证登录未能完成（登录凭据无效或已使用）。请重新登录。"),
    }
    status = 503 if problem == "unavailable" else 403
    return render(
        request,
        "accounts/login.html",
        {
            "form": PortalLoginForm(request),
            "cas_message": messages.get(problem, messages["refused"]),
            "next": next_url,
            **login_page_context(),
        },
        status=status,
    )


def login_page_context():
    return {"cas_enabled": cas_enabled(), "ldap_enabled": "ldap" in settings.AUTH_METHODS}


class CASLoginView(cas_views.LoginView):
    """Off to the CAS server, or back from it with a ticket (and its logout requests)."""

    # The CAS server's logout request is a POST without a CSRF token (as in django-cas-ng).
    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        if not cas_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        # Checked before django-cas-ng builds the service URL from it: an outside address
        # is replaced by the home page. Coming back with a ticket, the service URL must
        # stay as the ticket was issued for it; successful_login() checks `next` then.
        next_url = safe_next(request, request.GET.get(REDIRECT_FIELD_NAME))
        if "ticket" not in request.GET and request.GET.get(REDIRECT_FIELD_NAME) != next_url:
            query = request.GET.copy()
            query[REDIRECT_FIELD_NAME] = next_url
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        try:
            return super().get(request)
        except PermissionDenied:
            # authenticate() refused the ticket; a lockout is answered by AxesMiddleware.
            if getattr(request, "axes_locked_out", False):
                return HttpResponse(status=403)
            return login_failed(request, getattr(request, "cas_problem", "refused"), next_url)

    def post(self, request):
        """The CAS server's single-sign-out request, else back to the checked GET.

        django-cas-ng's own post() raises on an outside `next` in the body (a 500).
        """
        if request.POST.get("logoutRequest"):
            # The request is SAML whatever CAS_VERSION says (CAS servers send the same
            # one to 2.0 services); django-cas-ng only reads it with a 3.0 client.
            cas_views.clean_sessions(SingleLogoutMixin, request)
            return HttpResponse("ok\n", content_type="text/plain")
        return HttpResponseRedirect(request.get_full_path())

    def successful_login(self, request, next_page):
        return HttpResponseRedirect(safe_next(request, next_page))


def logout(request):
    """The portal's 退出 for a CAS sign-in: portal session first, then the CAS session.

    The CAS server is then asked to come back to the login page (its `service`).
    """
    return cas_views.LogoutView().get(request)


def signed_in_with_cas(request):
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH
