"""Who is signed in, with the profile the page header shows (apps/accounts/user_cache.py)."""

from django.contrib.auth.backends import ModelBackend

from .authz_cache import authorization
from .user_cache import signed_in_user


class PortalModelBackend(ModelBackend):
    """Local accounts; every page's header shows the profile's name, so it comes along."""

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        # The same sets Django reads, shared across requests until they change.
        if obj is None and user_obj.is_active and not user_obj.is_anonymous:
            return authorization(user_obj)[from_name]
        return super()._get_permissions(user_obj, obj, from_name)
