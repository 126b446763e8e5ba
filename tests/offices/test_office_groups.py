"""The two office groups come with the migrations, with what a clerk needs and no delete."""

import pytest
from django.contrib.auth.models import Group

from apps.programs.models import OFFICE_GROUPS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("office_groups")]


def test_each_office_has_a_group_with_the_clerks_permissions():
    for name in OFFICE_GROUPS.values():
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert codenames == {
            "view_program",
            "change_program",
            "add_program",
            "view_application",
            "change_application",
            "view_applicationevent",
            "view_attachment",
            "view_scoresupplement",
            "view_returnsummary",
            "view_auditentry",
            # Students' login lockouts: see them, and unlock (apps.offices.admin.accounts).
            "view_loginlockout",
            "change_loginlockout",
        }
        assert not any(c.startswith("delete_") for c in codenames)


def test_a_clerk_has_the_groups_permissions(clerk):
    assert clerk.has_perm("applications.change_application")
    assert clerk.has_perm("programs.add_program")
    assert not clerk.has_perm("applications.delete_application")
