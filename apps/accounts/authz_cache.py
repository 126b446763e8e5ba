"""Who may do what, read once and kept in the cache until it changes.

Django reads a staff member's permissions (two queries) and the portal reads the office
groups (one more) on every admin page. They change only when someone edits a group, a
permission or a membership, which is rare: so they are cached under a version that any
such edit replaces (signals below, and again once committed, as for the catalog). The
key also holds the user's own flags (active, staff, superuser), which come fresh with
the user row on every request, so flipping one takes effect at once. Nothing is kept
longer than SECONDS in any case.
"""

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

VERSION_KEY = "authz:version"
SECONDS = 300


def version():
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex[:12], None)
        current = cache.get(VERSION_KEY)
    return current


def bump_version():
    # Deleted, not replaced: the next reader makes a new one (apps/core/local_cache.py
    # tells other processes of a deletion, not of a value written over one they lack).
    cache.delete(VERSION_KEY)


def authorization(user):
    """{"groups": names, "user": perms, "group": perms} of an active, signed-in `user`:
    once per request (kept on the user object, as Django keeps its permission cache),
    from the shared cache across requests, read from the database when it changed."""
    if not hasattr(user, "_portal_authorization"):
        flags = f"{user.is_active:d}{user.is_staff:d}{user.is_superuser:d}"
        key = f"authz:{version()}:{user.pk}:{flags}"
        value = cache.get(key)
        if value is None:
            value = _read(user)
            cache.set(key, value, SECONDS)
        user._portal_authorization = value
    return user._portal_authorization


def _read(user):
    """What Django's ModelBackend reads (user and group permissions, all of them for a
    superuser), and the group names."""
    if user.is_superuser:
        user_perms = group_perms = Permission.objects.all()
    else:
        user_perms = user.user_permissions.all()
        group_perms = Permission.objects.filter(group__user=user)

    def names(perms):
        pairs = perms.values_list("content_type__app_label", "codename").order_by()
        return {f"{app_label}.{codename}" for app_label, codename in pairs}

    return {
        "groups": set(user.groups.values_list("name", flat=True)),
        "user": names(user_perms),
        "group": names(group_perms),
    }


def _changed(**kwargs):
    bump_version()
    # Again once committed: a request in between may have cached the old memberships.
    transaction.on_commit(bump_version)


User = get_user_model()
for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(_changed, sender=through, dispatch_uid=f"authz-{through._meta.label}")
for model in (Group, Permission):
    post_save.connect(_changed, sender=model, dispatch_uid=f"authz-saved-{model._meta.label}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"authz-deleted-{model._meta.label}")


@receiver(post_delete, sender=User, dispatch_uid="authz-user-deleted")
def _user_deleted(**kwargs):
    _changed()
