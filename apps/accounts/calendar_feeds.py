"""日历订阅: the tokens of the students' personal calendar feeds, made, replaced, revoked
and looked up. The feed's content (deadlines, 补录分数, 交流总结) is built higher up
(apps/applications/calendar.py); this module only knows whose feed an address opens."""

import hashlib
import hmac
import re
import secrets

from django.utils import timezone

from .models import CalendarFeed

# secrets.token_urlsafe(32): 32 random bytes, 43 characters of the URL-safe alphabet.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def _digest(token):
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue(user):
    """A new token for `user`'s feed, replacing the old one (whose address stops working
    at once). Returns the raw token: it is not stored and cannot be shown again."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    # Saved through the model (not .update()) so that the audit log records who did it.
    feed = CalendarFeed.objects.filter(user=user).first() or CalendarFeed(user=user)
    feed.key_hash = _digest(token)
    feed.created_at = timezone.now()
    feed.save()
    return token


def revoke(user):
    """停用订阅链接: the address gives 404 from now on. True if there was one."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return False
    feed.delete()
    return True


def owner_of(token):
    """The user whose feed `token` opens (with the profile, for its language), or None.

    The row is found by the token's SHA-256, never by the token itself, so a lookup's
    timing says nothing about how close a guess was; the digests are compared once more
    in constant time. Anything that is not a token's shape is refused without a query.
    """
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    digest = _digest(token)
    feed = (
        CalendarFeed.objects.select_related("user__profile")
        .filter(key_hash=digest, user__is_active=True)
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.key_hash, digest):
        return None
    return feed.user
