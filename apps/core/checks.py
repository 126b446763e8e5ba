"""System checks for the things that fail quietly otherwise."""

import ctypes.util

from django.conf import settings
from django.core.checks import Error, Warning, register

DEV_SECRET_KEY = "dev-only-insecure-key-change-me"


@register(deploy=True)
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development default while DEBUG is off.",
                hint="Set SECRET_KEY in the environment.",
                id="portal.E001",
            )
        ]
    return []


@register()
def check_harfbuzz_subset(app_configs, **kwargs):
    # Without it WeasyPrint subsets the CJK font in pure Python: ~50x slower PDFs.
    if ctypes.util.find_library("harfbuzz-subset") is None:
        return [
            Warning(
                "libharfbuzz-subset0 is missing: PDF rendering will be about 50 times slower.",
                hint="apt-get install libharfbuzz-subset0",
                id="portal.W001",
            )
        ]
    return []


@register()
def check_field_encryption_keys(app_configs, **kwargs):
    # Without a usable key no passport number can be saved or read: fail at start-up instead.
    from .crypto import key_problems

    return [
        Error(
            problem,
            hint=(
                "Set FIELD_ENCRYPTION_KEYS to one or more comma-separated Fernet keys "
                "(README, Personal data). Only DEBUG derives a development key."
            ),
            id="portal.E002",
        )
        for problem in key_problems(settings.FIELD_ENCRYPTION_KEYS)
    ]


@register(deploy=True)
def check_shared_cache(app_configs, **kwargs):
    # Sessions, permissions, the catalog's version and the students' statuses are kept in
    # the cache and forgotten when they change. Local memory tells the processes of one
    # machine what each forgets (apps/core/local_cache.py), but shares no value between
    # them nor with another machine.
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is each process's own memory: what one process keeps for the "
                "next request (a roster import's preview between its two steps) is not "
                "there when another answers it, and a second machine is told nothing.",
                hint="Set CACHE_URL (or REDIS_URL) to Redis, or serve from one process.",
                id="portal.W002",
            )
        ]
    return []
