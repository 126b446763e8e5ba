"""Who is signed in, with the profile the page header shows, in one query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .authz_cache import authorization


def user_with_profile(user_id):
    """The user of a session with the student profile joined, or None (also for a key
    that is not a user's). Sliced, not `.first()`: the primary key is unique, and the
    `ORDER BY` that `.first()` adds was a third of this query's compilation on every
    signed-in request (bench/RESULTS.md)."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    return next(iter(User._default_manager.select_related("profile").filter(pk=pk)[:1]), None)


class PortalModelBackend(ModelBackend):
    """Local accounts; every page's header shows the profile's name, so it comes along."""

    def get_user(self, user_id):
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        # The same sets Django reads, shared across requests until they change.
        if obj is None and user_obj.is_active and not user_obj.is_anonymous:
            return authorization(user_obj)[from_name]
        return super()._get_permissions(user_obj, obj, from_name)
