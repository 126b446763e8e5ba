"""Office rights from directory groups, against the private slapd (tests/ldap_server.py).

django-auth-ldap finds the groups a clerk belongs to (AUTH_LDAP_GROUP_SEARCH with
GroupOfNamesType); OFFICE_GROUP_MAP turns their DNs into the portal's office groups and
is_staff, at every sign-in (apps.accounts.identity.sync_office_groups).
"""

import ldap
import pytest
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

from tests.factories import PASSWORD, UserFactory
from tests.ldap_server import DIRECTORY_GROUPS, GROUPS, STAFF, STUDENTS, group_dn

pytestmark = [pytest.mark.ldap, pytest.mark.django_db]

OUTBOUND = "学生出国事务办公室"
HMT = "港澳台事务办公室"
ZHAO = "t0001"  # outbound-office (and library, which maps to nothing)
QIAN = "t0002"  # hmt-office
ZHANG = "2021301000001"  # a student, in no group

User = get_user_model()


@pytest.fixture
def group_settings(ldap_settings, slapd):
    ldap_settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        GROUPS, ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"
    )
    ldap_settings.AUTH_LDAP_GROUP_TYPE = GroupOfNamesType()
    ldap_settings.OFFICE_GROUP_MAP = {
        OUTBOUND: [group_dn("outbound-office")],
        HMT: [group_dn("hmt-office")],
    }
    yield ldap_settings
    for cn, members in DIRECTORY_GROUPS.items():
        slapd.set_members(cn, members)


def sign_in(client, username):
    password = {**STUDENTS, **STAFF}[username]["password"]
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return User.objects.get(username=username)


def office_groups(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_clerk_in_the_office_directory_group_gets_the_office_rights(client, group_settings):
    clerk = sign_in(client, ZHAO)

    assert clerk.is_staff and not clerk.is_superuser
    assert office_groups(clerk) == [OUTBOUND]
    assert clerk.has_perm("applications.change_application")
    assert client.get("/admin/").status_code == 200


def test_removed_from_the_directory_group_loses_rights_at_next_sign_in(
    client, group_settings, slapd
):
    sign_in(client, ZHAO)
    slapd.set_members("outbound-office", [])
    client.post("/accounts/logout/")

    clerk = sign_in(client, ZHAO)

    assert not clerk.is_staff
    assert office_groups(clerk) == []
    assert not auth.get_user(client).has_perm("applications.change_application")
    assert client.get("/admin/").status_code == 302


def test_moved_to_the_other_office_changes_group(client, group_settings, slapd):
    sign_in(client, ZHAO)
    slapd.set_members("outbound-office", [])
    slapd.set_members("hmt-office", [QIAN, ZHAO])
    client.post("/accounts/logout/")

    clerk = sign_in(client, ZHAO)

    assert clerk.is_staff
    assert office_groups(clerk) == [HMT]


def test_student_in_no_group_is_not_staff_and_keeps_other_groups(client, group_settings):
    student = UserFactory(username=ZHANG)
    other = Group.objects.create(name="志愿者")
    student.groups.add(other)

    student = sign_in(client, ZHANG)

    assert not student.is_staff
    assert office_groups(student) == ["志愿者"]  # a group the map does not name stays


def test_local_staff_account_keeps_working(client, group_settings):
    local = UserFactory(username="office-local", is_staff=True)
    local.groups.add(Group.objects.get(name=OUTBOUND))

    response = client.post("/accounts/login/", {"username": "office-local", "password": PASSWORD})

    assert response.status_code == 302
    local.refresh_from_db()
    assert local.is_staff and office_groups(local) == [OUTBOUND]
    assert client.get("/admin/").status_code == 200


def test_without_a_map_the_directory_changes_no_rights(client, group_settings):
    group_settings.OFFICE_GROUP_MAP = {}
    UserFactory(username=QIAN, is_staff=True).groups.add(Group.objects.get(name=OUTBOUND))

    clerk = sign_in(client, QIAN)

    assert clerk.is_staff and office_groups(clerk) == [OUTBOUND]


def test_groups_that_cannot_be_read_refuse_the_sign_in_with_the_directory_message(
    client, group_settings
):
    group_settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        "ou=missing,dc=example,dc=edu", ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"
    )

    response = client.post(
        "/accounts/login/", {"username": ZHAO, "password": STAFF[ZHAO]["password"]}
    )

    assert response.status_code == 200
    assert "统一身份认证服务未能完成登录" in response.content.decode()
    assert not auth.get_user(client).is_authenticated
