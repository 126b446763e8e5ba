"""The signed-in user from the shared cache (apps/accounts/user_cache.py): no query for
who is asking, yet every change to the account or its profile counts on the next request,
and the password hash never leaves the database."""

import uuid

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from apps.accounts import roster, user_cache
from apps.accounts.models import StudentProfile
from tests.accounts.test_roster import csv_bytes
from tests.factories import StudentProfileFactory

REDIS_URL = "redis://127.0.0.1:6379/14"
ZHANG = "2023301000001"

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def shared_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"user-cache-{uuid.uuid4().hex[:8]}",
        }
    }
    yield
    cache.clear()


@pytest.fixture
def zhang(password):
    user = StudentProfileFactory(name="张三", user__username=ZHANG).user
    user.set_password(password)  # a local account: its hash must stay in the database
    user.save()
    return user


@pytest.fixture
def zhang_client(client, zhang):
    client.force_login(zhang)
    client.get(reverse("applications:list"))  # the user is now kept
    return client


def _header_name(client):
    return client.get(reverse("programs:home")).text


def test_a_signed_in_request_reads_no_user_once_it_is_kept(zhang_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert zhang_client.get("/healthz/").status_code == 200


def test_the_kept_user_has_its_profile_and_no_password_hash(zhang, zhang_client, password):
    raw = redis.Redis.from_url(REDIS_URL)
    stored = b"".join(raw.get(key) or b"" for key in raw.keys("*signed-in-user*"))
    assert stored, "nothing was kept"
    assert zhang.password.encode() not in stored
    assert zhang.password.split("$")[-1].encode() not in stored  # nor the digest alone

    kept = user_cache.signed_in_user(zhang.pk)
    assert kept.profile.name == "张三"
    assert "password" in kept.get_deferred_fields()
    assert kept.check_password(password)  # read from the database when asked for


def test_a_deactivated_account_is_signed_out_at_the_next_request(zhang, zhang_client):
    zhang.is_active = False
    zhang.save()
    response = zhang_client.get(reverse("applications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_changed_password_signs_out_the_other_sessions(zhang, zhang_client):
    zhang.set_password("a new password 2026")
    zhang.save()
    response = zhang_client.get(reverse("applications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_profile_edit_shows_in_the_header_at_once(zhang, zhang_client):
    assert "张三" in _header_name(zhang_client)
    profile = zhang.profile
    profile.name = "张三丰"
    profile.save()
    assert "张三丰" in _header_name(zhang_client)


def test_a_roster_import_shows_in_the_header_at_once(zhang, zhang_client):
    line = f"{ZHANG},张小三,Zhang San,男,数学学院,应用数学,本科,2023,13800138000,zs@example.edu.cn"
    roster.import_roster(rows=roster.parse_roster(csv_bytes(line)))
    assert StudentProfile.objects.get(user=zhang).name == "张小三"
    assert "张小三" in _header_name(zhang_client)


def test_the_language_switch_is_on_the_kept_profile_at_once(zhang, zhang_client):
    zhang_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert user_cache.signed_in_user(zhang.pk).profile.language == "en"


def test_a_deleted_account_is_signed_out(zhang, zhang_client):
    zhang.delete()
    response = zhang_client.get(reverse("applications:list"))
    assert response.status_code == 302


def test_a_new_secret_key_keeps_users_under_new_entries(zhang, zhang_client, settings):
    before = user_cache._key(zhang.pk)
    user_cache._secret_mark.cache_clear()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    try:
        assert user_cache._key(zhang.pk) != before
    finally:
        user_cache._secret_mark.cache_clear()


def test_with_a_cache_of_this_process_only_nothing_is_kept(settings, zhang, client):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(zhang)
    client.get(reverse("applications:list"))
    assert cache.get(user_cache._key(zhang.pk)) is None
