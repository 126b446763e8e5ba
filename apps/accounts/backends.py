"""Who is signed in, with the profile the page header shows, in one query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .authz_cache import cached_for


def user_with_profile(user_id):
    """The user of a session with the student profile joined, or None."""
    return get_user_model()._default_manager.select_related("profile").filter(pk=user_id).first()


class PortalModelBackend(ModelBackend):
    """Local accounts; every page's header shows the profile's name, so it comes along."""

    def get_user(self, user_id):
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        # Django's per-request attribute first, then the shared cache (authz_cache).
        cache_name = f"_{from_name}_perm_cache"
        asks = obj is None and user_obj.is_active and not user_obj.is_anonymous
        if asks and not hasattr(user_obj, cache_name):
            perms = cached_for(
                user_obj,
                f"perms-{from_name}",
                lambda: super(PortalModelBackend, self)._get_permissions(user_obj, obj, from_name),
            )
            setattr(user_obj, cache_name, perms)
        return super()._get_permissions(user_obj, obj, from_name)
