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
    cache.set(VERSION_KEY, uuid.uuid4().hex[:12], None)


def cached_for(user, part, compute):
    """`compute()` for this user, from the cache while no permission or group changed."""
    flags = f"{user.is_active:d}{user.is_staff:d}{user.is_superuser:d}"
    key = f"authz:{version()}:{user.pk}:{flags}:{part}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SECONDS)
    return value


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
