import functools
from contextlib import suppress
from functools import partial

from auditlog import get_logentry_model
from auditlog.cid import correlation_id
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.middleware import AuditlogMiddleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject


class ChineseFirstLocaleMiddleware:
    """Activate the language the visitor chose, else Chinese.

    Django's LocaleMiddleware would follow the browser's Accept-Language and show
    English to anyone with an English browser; the portal is Chinese first and
    English only on request (the language switch in the page header sets the cookie).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            with suppress(LookupError):
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ["Cookie"])
        return response


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy built once instead of twice per response.

    The portal's pages never change their policy per response (no `@csp_update`, no
    nonce: no inline script or style), so the header is the settings' policy every time;
    django-csp rebuilds both headers from the settings on each response (~0.1 ms, a
    tenth of a signed-in request's floor, bench/RESULTS.md). A response or request that
    does vary goes through django-csp unchanged.
    """

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
            or (settings.DEBUG and response.status_code in (500, 404))
        ):
            return super().process_response(request, response)
        for header, value, exempt, setting in _policies():
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                value
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(tuple(prefixes))
            ):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


@functools.cache
def _policies():
    return (
        (HEADER, build_policy(), "_csp_exempt", "CONTENT_SECURITY_POLICY"),
        (
            HEADER_REPORT_ONLY,
            build_policy(report_only=True),
            "_csp_exempt_ro",
            "CONTENT_SECURITY_POLICY_REPORT_ONLY",
        ),
    )


@receiver(setting_changed)
def _policy_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.cache_clear()


class LazyActorAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with what it records looked up only when an entry is
    written.

    django-auditlog, on every request, asks whether `request.user` is a user (which loads
    the user), builds `request.headers` for the address, port and correlation id, and
    connects a signal receiver, disconnected again at the end: ~0.04 ms, a sixth of a
    signed-in /healthz/ (bench/RESULTS.md), for the few requests that write an entry. Here
    one receiver is connected once, and a request only sets the context it reads: the
    actor as a lazy object, the address and port as functions (django-auditlog calls
    them when it fills an entry). Same actor, address, port and correlation id in the
    same entries (tests/core/test_audit*.py).
    """

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            partial(_set_extra_data, signal_duid=_SIGNAL_DUID),
            sender=get_logentry_model(),
            dispatch_uid=_SIGNAL_DUID,
            weak=False,
        )

    @staticmethod
    def _get_actor(request):
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))

    def get_extra_data(self, request):
        return {
            "remote_addr": lambda: self._get_remote_addr(request),
            "remote_port": lambda: self._get_remote_port(request),
            "actor": self._get_actor(request),
            "signal_duid": _SIGNAL_DUID,
        }

    def __call__(self, request):
        if not settings.AUDITLOG_CID_GETTER:
            correlation_id.set(_correlation_id(request))
        token = auditlog_value.set(self.get_extra_data(request))
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)


_SIGNAL_DUID = ("set_actor", "portal-request")


def _correlation_id(request):
    """django-auditlog's `set_cid`, reading the header from META without building
    `request.headers` (all of META, copied, on every request)."""
    header = settings.AUDITLOG_CID_HEADER
    if not header:
        return None
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    if meta_key in request.META:
        return request.META[meta_key]
    return request.META.get(header)
