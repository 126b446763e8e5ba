"""Campus identity, whichever way it arrives (LDAP entry or CAS attribute release).

One mapping (PROFILE_ATTR_MAP) turns the attributes into student-profile fields, and
the fields it filled become read-only for the student (`StudentProfile.ldap_fields`);
one mapping (OFFICE_GROUP_MAP) turns directory groups into office groups and
`is_staff`. apps.accounts.ldap and apps.accounts.cas both call the two functions below
at every sign-in, so a value or a group removed in the directory is gone at the next one.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

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


def attribute_values(attrs, name):
    """The values of one attribute as a list of strings, whatever the source's shape.

    LDAP gives lists (attribute names in any case); CAS gives a string for one value and
    a list for several, and None for an empty element.
    """
    raw = attrs.get(name)
    if raw is None:
        raw = next((v for k, v in attrs.items() if k.lower() == name.lower()), None)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    return [value for value in values if isinstance(value, str)]


def profile_values_from_attrs(attrs):
    """Map identity attributes to profile fields using PROFILE_ATTR_MAP."""
    values = {}
    for field, attr in settings.PROFILE_ATTR_MAP.items():
        raw_values = attribute_values(attrs, attr)
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


def _normalise(identifier):
    # Directory group DNs are compared as a directory would: case and spaces after
    # commas do not matter ("CN=Outbound, OU=Groups" is "cn=outbound,ou=groups").
    return ",".join(part.strip() for part in identifier.strip().lower().split(","))


def office_groups_for(identifiers):
    """Names of the office groups (OFFICE_GROUP_MAP keys) these group identifiers map to."""
    held = {_normalise(i) for i in identifiers}
    return {
        office
        for office, mapped in settings.OFFICE_GROUP_MAP.items()
        if held & {_normalise(m) for m in mapped}
    }


@transaction.atomic
def sync_office_groups(user, identifiers):
    """Give a campus sign-in exactly the office groups its directory groups map to.

    Only the groups named in OFFICE_GROUP_MAP are managed (others an administrator
    added stay), and `is_staff` follows membership of any of them; superusers (the
    break-glass administrator) are left alone. Without a map nothing changes, so local
    staff accounts keep the rights the administrator gave them.
    """
    if not settings.OFFICE_GROUP_MAP or user.is_superuser:
        return
    wanted = office_groups_for(identifiers)
    managed = Group.objects.filter(name__in=settings.OFFICE_GROUP_MAP)
    current = set(user.groups.filter(pk__in=managed).values_list("name", flat=True))
    if removed := current - wanted:
        user.groups.remove(*managed.filter(name__in=removed))
    if added := wanted - current:
        user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in sorted(added)])
    if user.is_staff != bool(wanted):
        user.is_staff = bool(wanted)
        user.save(update_fields=["is_staff"])
