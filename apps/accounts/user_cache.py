"""Who is signed in, with the profile the page header shows, kept in the shared cache.

Every signed-in request needs its user, and reading it was most of what such a request
cost (bench/RESULTS.md, issue 23; the read itself: apps/accounts/user_row.py). With the
shared Redis cache and its near cache in each process (apps/core/cache.py), or the
embedded default's local memory whose processes tell each other what they forget
(apps/core/local_cache.py), the user comes from memory instead, until anything about it
changes:

- every save or deletion of the user or of its profile forgets it (signals, and again on
  commit: a request in between may have read the row before the change);
- writes that bypass signals forget it themselves (`forget`): the roster's
  `bulk_update`, the language switch's `update()`;
- it is kept `SECONDS` at most.

The password hash never goes into the cache: the user is kept with `password` deferred
(Django reads it from the database if anything asks, as the admin's password change
does) and with the two session hashes Django checks on every request (HMACs of it under
SECRET_KEY and its fallbacks: what the session itself holds). With a cache that is only
this process's (local memory without its log), nothing is kept: another process could
not forget it.
"""

import functools
import hashlib
import pickle

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core import cache_versions

from .models import StudentProfile
from .user_row import user_with_profile

SECONDS = 600


@functools.cache
def _secret_mark():
    # The session hashes kept are HMACs under SECRET_KEY: a new key, new entries.
    return hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()[:12]


def _key(user_id):
    return f"signed-in-user:{user_id}:{_secret_mark()}"


def _shared():
    return getattr(cache, "shared_across_processes", False)


def signed_in_user(user_id):
    """`user_with_profile(user_id)`, from the cache when it may be kept there."""
    if not _shared():
        return user_with_profile(user_id)
    key = _key(user_id)
    kept = cache.get(key)
    if kept is not None:
        return _restored(*kept)
    user = user_with_profile(user_id)
    if user is not None:
        cache.set(key, _kept(user), SECONDS)
    return user


def _kept(user):
    """What the cache holds: the user without its password hash, and the session hashes."""
    fallbacks = list(user.get_session_auth_fallback_hash())
    session_hash = user.get_session_auth_hash()
    copy = pickle.loads(pickle.dumps(user))
    del copy.__dict__["password"]  # deferred: read from the database if ever asked for
    return copy, session_hash, fallbacks


def _restored(user, session_hash, fallbacks):
    # Django's session check calls these two on every request; they would read the
    # deferred password. The values are what they returned when the user was kept.
    user.get_session_auth_hash = lambda: session_hash
    user.get_session_auth_fallback_hash = lambda: iter(fallbacks)
    return user


def forget(user_ids):
    """Forget these users now and once the transaction commits."""
    if _shared():
        cache_versions.forget(_key(pk) for pk in user_ids)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="signed-in-user-saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="signed-in-user-deleted")
def _user_changed(sender, instance, **kwargs):
    forget([instance.pk])


@receiver(post_save, sender=StudentProfile, dispatch_uid="signed-in-profile-saved")
@receiver(post_delete, sender=StudentProfile, dispatch_uid="signed-in-profile-deleted")
def _profile_changed(sender, instance, **kwargs):
    forget([instance.user_id])
