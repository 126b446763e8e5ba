"""The university directory: django-auth-ldap with profile, office groups and outage reporting."""

import ldap
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error

from .identity import sync_office_groups, sync_profile
from .user_cache import signed_in_user


class PortalLDAPBackend(LDAPBackend):
    """django-auth-ldap, plus the student profile filled at every sign-in."""

    def get_user(self, user_id):
        # As LDAPBackend.get_user, with the profile the page header shows joined.
        user = signed_in_user(user_id)
        if user is not None:
            _LDAPUser(self, user=user)  # sets user.ldap_user
        return user

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            try:
                # The groups django-auth-ldap finds (AUTH_LDAP_GROUP_SEARCH), when configured.
                group_dns = ldap_user.group_dns if self.settings.GROUP_SEARCH is not None else ()
            except ldap.LDAPError as exc:
                # Office rights cannot be known: no sign-in rather than stale rights.
                ldap_error.send(
                    type(self),
                    context="group_dns",
                    user=user,
                    request=ldap_user._request,
                    exception=exc,
                )
                return None
            sync_profile(user, ldap_user.attrs)
            sync_office_groups(user, group_dns)
        return user


# The directory cannot be reached or does not answer in time: "try again later".
OUTAGE_ERRORS = (
    ldap.SERVER_DOWN,
    ldap.TIMEOUT,
    ldap.TIMELIMIT_EXCEEDED,
    ldap.CONNECT_ERROR,
    ldap.UNAVAILABLE,
    ldap.BUSY,
)


def _note_directory_problem(sender, context, user, request, exception, **kwargs):
    """Tell the login form why the directory failed, so it does not say "wrong password".

    Wrong passwords and unknown IDs never reach here (django-auth-ldap turns them into
    a plain failed login). What does is an outage, or a directory that accepted the
    password but refused to let the portal read the student's entry.
    """
    if request is not None:
        request.ldap_problem = "unavailable" if isinstance(exception, OUTAGE_ERRORS) else "error"


ldap_error.connect(_note_directory_problem, dispatch_uid="portal-ldap-problem")
