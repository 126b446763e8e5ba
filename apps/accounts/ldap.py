"""The university directory: profile filling and outage reporting for django-auth-ldap."""

import ldap
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error

from .backends import user_with_profile
from .models import DegreeLevel, StudentProfile

_DEGREE_HINTS = [
    (DegreeLevel.DOCTORATE, ("博士", "doct", "phd")),
    (DegreeLevel.MASTER, ("硕士", "master")),
    (DegreeLevel.UNDERGRADUATE, ("本科", "undergrad", "bachelor")),
]


def _degree_level(raw):
    lowered = raw.lower()
    for level, hints in _DEGREE_HINTS:
        if any(hint in lowered for hint in hints):
            return level
    return None


def _clean(field, raw):
    """Turn one directory value into the profile field's value, or None if unusable.

    A value the form would refuse (a phone written "(010)6275…", a year 1900) is left
    for the student to type: locked, it could never be corrected.
    """
    raw = raw.strip()
    if not raw:
        return None
    model_field = StudentProfile._meta.get_field(field)
    if field == "degree_level":
        value = _degree_level(raw)
    elif field == "enrollment_year":
        value = int(raw) if raw.isascii() and raw.isdigit() else None
    else:
        value = raw[: model_field.max_length]
    if value is None:
        return None
    try:
        model_field.clean(value, None)
    except ValidationError:
        return None
    return value


def profile_values_from_attrs(attrs):
    """Map directory attributes to profile fields using AUTH_LDAP_PROFILE_ATTR_MAP."""
    values = {}
    for field, attr in settings.AUTH_LDAP_PROFILE_ATTR_MAP.items():
        raw_values = attrs.get(attr) or attrs.get(attr.lower()) or []
        if raw_values:
            value = _clean(field, raw_values[0])
            if value is not None:
                values[field] = value
    return values


@transaction.atomic
def sync_profile(user, attrs):
    """Copy what the directory knows into the profile; those fields become read-only."""
    values = profile_values_from_attrs(attrs)
    profile, _ = StudentProfile.objects.select_for_update().get_or_create(user=user)
    for field, value in values.items():
        setattr(profile, field, value)
    profile.ldap_fields = sorted(values)
    profile.save()
    return profile


class PortalLDAPBackend(LDAPBackend):
    """django-auth-ldap, plus the student profile filled at every sign-in."""

    def get_user(self, user_id):
        # As LDAPBackend.get_user, with the profile the page header shows joined.
        user = user_with_profile(user_id)
        if user is not None:
            _LDAPUser(self, user=user)  # sets user.ldap_user
        return user

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            sync_profile(user, ldap_user.attrs)
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
