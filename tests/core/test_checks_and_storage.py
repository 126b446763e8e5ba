import ctypes.util

import pytest

from apps.core import checks


def test_harfbuzz_subset_is_present_on_this_machine():
    # WeasyPrint renders CJK PDFs ~50x slower without it (MACHINE-NOTES).
    assert checks.check_harfbuzz_subset(None) == []


def test_missing_harfbuzz_subset_is_reported(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    (warning,) = checks.check_harfbuzz_subset(None)
    assert warning.id == "portal.W001"


def test_a_cache_of_each_process_alone_is_reported_for_deployment(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in checks.check_shared_cache(None)] == ["portal.W002"]
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
        }
    }
    assert checks.check_shared_cache(None) == []


def test_development_secret_key_is_refused_in_production(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = checks.DEV_SECRET_KEY
    assert [e.id for e in checks.check_secret_key(None)] == ["portal.E001"]
    settings.SECRET_KEY = "a-real-production-secret-" + "x" * 40
    assert checks.check_secret_key(None) == []


@pytest.mark.django_db
def test_uploads_are_not_served_by_url(student_client):
    assert student_client.get("/media/attachments/1/anything").status_code == 404
