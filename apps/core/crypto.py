"""Field encryption at rest: Fernet (AES-128-CBC + HMAC-SHA256) with key rotation.

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (the environment variable of the same name,
comma-separated Fernet keys): the first key encrypts, every key decrypts (MultiFernet). To
rotate: put a new key first, keep the old ones after it, deploy, run
`manage.py rotate_encryption_keys`, then drop the old keys. A new key:
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.

While DEBUG is on and no key is set, settings derive one from SECRET_KEY
(`development_key`); with DEBUG off a missing key is a system check error (portal.E002).

We wrote this small layer rather than adding a field library: the maintained ones either
derive their keys from SECRET_KEY (so rotating SECRET_KEY would lose the data) or pull in
more than one column needs; `cryptography` is already a dependency.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# Every Fernet token starts with the version byte 0x80, "gAAAAA" in base64.
TOKEN_PREFIX = "gAAAAA"


def development_key(secret_key):
    """A Fernet key derived from SECRET_KEY, for development only (see settings)."""
    digest = hashlib.sha256(f"exchange-portal field encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def key_problems(keys):
    """What is wrong with a list of keys, as strings (empty when usable)."""
    if not keys:
        return ["FIELD_ENCRYPTION_KEYS is empty."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"Key {position} of FIELD_ENCRYPTION_KEYS is not a Fernet key.")
    return problems


@functools.cache
def _multifernet(keys):
    if problems := key_problems(keys):
        raise ImproperlyConfigured(" ".join(problems))
    return MultiFernet([Fernet(key) for key in keys])


def multifernet():
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multifernet.cache_clear()


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens."""


def is_token(value):
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt(text):
    """The token for `text`; the empty string stays empty (so "not given" stays queryable)."""
    if text in ("", None):
        return text
    return multifernet().encrypt(str(text).encode()).decode()


def decrypt(token):
    if token in ("", None):
        return token
    try:
        return multifernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(was a key removed before rotate_encryption_keys ran?)."
        ) from None


def rotate(token):
    """The token re-encrypted with the first (newest) key."""
    if token in ("", None):
        return token
    try:
        return multifernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A value could not be decrypted for rotation.") from None


def mask_all(value):
    """For the audit log: says that a secret changed, never any of its characters."""
    return "" if value in ("", "None", None) else "******"
