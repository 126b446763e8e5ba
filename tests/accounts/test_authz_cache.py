"""Permissions and office groups are read once and reused, yet any change to them, or to
the user's own flags, takes effect on the very next request (apps/accounts/authz_cache)."""

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts import authz_cache
from apps.programs.models import OFFICE_GROUPS, Region

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:applications_application_changelist")


def _auth_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    reads = [q["sql"] for q in queries if "auth_permission" in q["sql"] or "auth_group" in q["sql"]]
    return response, reads


def test_a_clerks_permissions_and_office_are_read_once_not_on_every_page(client, clerk):
    client.force_login(clerk)
    first, reads = _auth_queries(client, CHANGELIST)
    assert first.status_code == 200
    assert reads  # the first page reads them
    again, reads = _auth_queries(client, CHANGELIST)
    assert again.status_code == 200
    assert reads == []


def test_leaving_the_office_group_takes_effect_at_once(client, clerk, make_submitted):
    application = make_submitted()
    client.force_login(clerk)
    change = reverse("admin:applications_application_change", args=[application.pk])
    assert client.get(change).status_code == 200

    clerk.groups.clear()
    assert client.get(change).status_code in (302, 403, 404)
    assert client.get(CHANGELIST).status_code == 403


def test_joining_an_office_group_takes_effect_at_once(client, make_clerk, make_submitted):
    application = make_submitted()  # international
    hmt = make_clerk(Region.HMT, username="hmt-clerk")
    client.force_login(hmt)
    change = reverse("admin:applications_application_change", args=[application.pk])
    assert client.get(change).status_code != 200

    hmt.groups.add(Group.objects.get(name=OFFICE_GROUPS[Region.INTERNATIONAL]))
    assert client.get(change).status_code == 200


def test_a_permission_taken_from_the_group_is_gone_at_once(client, clerk):
    client.force_login(clerk)
    assert client.get(CHANGELIST).status_code == 200
    group = Group.objects.get(name=OFFICE_GROUPS[Region.INTERNATIONAL])
    group.permissions.remove(*Permission.objects.filter(codename__endswith="_application"))
    assert client.get(CHANGELIST).status_code == 403


def test_losing_staff_or_superuser_status_takes_effect_at_once(client, django_user_model):
    admin = django_user_model.objects.create_user("boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(CHANGELIST).status_code == 200

    admin.is_superuser = False
    admin.save(update_fields=["is_superuser"])
    assert client.get(CHANGELIST).status_code == 403

    admin.is_superuser, admin.is_staff = True, False
    admin.save(update_fields=["is_superuser", "is_staff"])
    assert client.get(CHANGELIST).status_code == 302  # to the admin's login


def _fresh(user):
    """What the portal knows of `user` on a new request (a new user object)."""
    return authz_cache.authorization(type(user).objects.get(pk=user.pk))


def test_a_request_reads_them_once_even_when_the_shared_cache_drops_them(
    clerk, django_assert_num_queries
):
    user = type(clerk).objects.get(pk=clerk.pk)
    first = authz_cache.authorization(user)
    cache.clear()
    with django_assert_num_queries(0):
        assert authz_cache.authorization(user) is first


def test_a_version_lost_from_the_cache_never_brings_back_what_was_cached_before_a_change(clerk):
    """A cache that evicts the version alone (Redis under memory pressure) must not fall
    back to a version under which older permissions are still cached."""
    cache.clear()
    assert _fresh(clerk)["groups"] == {OFFICE_GROUPS[Region.INTERNATIONAL]}
    clerk.groups.clear()
    cache.delete(authz_cache.VERSION_KEY)
    assert _fresh(clerk)["groups"] == set()


def test_nothing_is_kept_longer_than_its_seconds_even_if_no_change_was_signalled(clerk):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert _fresh(clerk)["group"]
        # Removed in bulk, without the signals that replace the version.
        Group.permissions.through.objects.filter(group__user=clerk).delete()
        assert _fresh(clerk)["group"], "kept until it expires"
        traveller.shift(authz_cache.SECONDS + 1)
        assert _fresh(clerk)["group"] == set()


def test_the_version_is_replaced_only_by_a_change_never_by_time():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        cache.clear()
        first = authz_cache.version()
        traveller.shift(24 * 3600)
        assert authz_cache.version() == first
        authz_cache.bump_version()
        bumped = authz_cache.version()
        traveller.shift(24 * 3600)
        assert authz_cache.version() == bumped != first
