"""统一身份认证 (CAS) sign-in against a real CAS server (django-mama-cas, tests/cas_server.py).

The test plays the browser's part: it signs in at the CAS server, which redirects back
to the portal's service URL with a ticket, and the portal validates that ticket with
the server over HTTP. Nothing about the protocol is mocked.
"""

import os
import subprocess
import sys
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.models import DegreeLevel, StudentProfile
from tests.cas_server import OUTBOUND_GROUP_DN
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.cas, pytest.mark.django_db]

CAS_LOGIN = "/accounts/cas/login/"
ZHANG = "2021301000001"
LI = "2022301000002"
CLERK = "t0001"
OUTBOUND = "学生出国事务办公室"

User = get_user_model()


def service_for(next_url="/"):
    """The service URL the portal gives the CAS server for this `next`."""
    return f"http://testserver{CAS_LOGIN}?next={quote(next_url, safe='')}"


def redirect_to_cas(client, next_url):
    """The portal's CAS button: where it sends the browser, and the service it names."""
    response = client.get(CAS_LOGIN, {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def back_with_ticket(client, service, ticket):
    """The browser returning from the CAS server to the service URL with its ticket."""
    parts = urlsplit(service)
    query = f"{parts.query}&ticket={ticket}" if parts.query else f"ticket={ticket}"
    return client.get(f"{parts.path}?{query}")


def cas_sign_in(client, cas_server, username, next_url="/"):
    location = redirect_to_cas(client, next_url)
    service = parse_qs(urlsplit(location).query)["service"][0]
    ticket, session = cas_server.ticket_for(service, username)
    return back_with_ticket(client, service, ticket), service, ticket, session


class TestSignIn:
    def test_cas_button_redirects_to_the_cas_server_with_next_in_the_service(
        self, client, cas_settings, cas_server
    ):
        location = redirect_to_cas(client, "/applications/")

        assert location.startswith(f"{cas_server.url}login?")
        assert parse_qs(urlsplit(location).query)["service"] == [service_for("/applications/")]

    def test_ticket_signs_in_creates_user_fills_and_locks_profile(
        self, client, cas_settings, cas_server
    ):
        response, *_ = cas_sign_in(client, cas_server, ZHANG, next_url="/applications/")

        assert response.status_code == 302
        assert response["Location"] == "/applications/"  # `next` survived the round trip
        user = auth.get_user(client)
        assert user.is_authenticated and user.username == ZHANG
        assert not user.has_usable_password()
        profile = StudentProfile.objects.get(user=user)
        assert (profile.name, profile.name_en, profile.school, profile.major) == (
            "张三",
            "Zhang San",
            "计算机学院",
            "软件工程",
        )
        assert profile.degree_level == DegreeLevel.UNDERGRADUATE
        assert profile.ldap_fields == [
            "degree_level",
            "email",
            "major",
            "name",
            "name_en",
            "phone",
            "school",
        ]
        # The released attributes are not kept in the session.
        assert "attributes" not in client.session

    def test_cas_version_2_validates_too(self, client, cas_settings, cas_server):
        cas_settings.CAS_VERSION = "2"
        response, *_ = cas_sign_in(client, cas_server, ZHANG)

        assert response.status_code == 302
        assert StudentProfile.objects.get(user__username=ZHANG).name == "张三"

    def test_locked_fields_follow_the_attributes_at_each_sign_in(
        self, client, cas_settings, cas_server
    ):
        """The same locking rules as LDAP: what is released is locked, what is not is free."""
        cas_sign_in(client, cas_server, LI)
        profile = StudentProfile.objects.get(user__username=LI)
        assert profile.ldap_fields == ["email", "name"]
        form = client.get("/accounts/profile/").context["form"]
        assert form.fields["name"].disabled and not form.fields["school"].disabled

        # The student may type the school; a posted name is ignored (locked).
        client.post("/accounts/profile/", {"name": "别人", "school": "外国语学院"})
        profile.refresh_from_db()
        assert (profile.name, profile.school) == ("李四", "外国语学院")

        # The registry office adds the school: the next sign-in locks it with its value.
        cas_server.set_attributes(LI, ou="数学学院", cn="李四四")
        client.logout()
        cas_sign_in(client, cas_server, LI)
        profile.refresh_from_db()
        assert (profile.name, profile.school) == ("李四四", "数学学院")
        assert profile.ldap_fields == ["email", "name", "school"]

        # ... and removes it again: unlocked, the value stays for the student to keep.
        cas_server.set_attributes(LI, ou=None)
        client.logout()
        cas_sign_in(client, cas_server, LI)
        profile.refresh_from_db()
        assert profile.ldap_fields == ["email", "name"]
        assert profile.school == "数学学院"

    def test_unusable_attribute_values_are_left_for_the_student(
        self, client, cas_settings, cas_server
    ):
        cas_server.set_attributes(LI, mobile="(010)6275-XXXX", employeeType="访问学者")
        cas_sign_in(client, cas_server, LI)

        profile = StudentProfile.objects.get(user__username=LI)
        assert "phone" not in profile.ldap_fields and "degree_level" not in profile.ldap_fields

    def test_sign_in_is_logged_as_a_directory_sign_in_is(self, client, cas_settings, cas_server):
        cas_sign_in(client, cas_server, ZHANG)

        entry = AccessLog.objects.get()
        assert entry.username == ZHANG
        assert entry.logout_time is None
        client.post("/accounts/logout/")
        entry.refresh_from_db()
        assert entry.logout_time is not None

    def test_sign_in_clears_earlier_wrong_passwords_as_a_directory_sign_in_does(
        self, client, cas_settings, cas_server
    ):
        for _ in range(3):
            client.post("/accounts/login/", {"username": ZHANG, "password": "wrong"})
        assert AccessAttempt.objects.get(username=ZHANG).failures_since_start == 3

        cas_sign_in(client, cas_server, ZHANG)

        assert not AccessAttempt.objects.filter(username=ZHANG).exists()


class TestRefusedTickets:
    def test_replayed_ticket_is_refused(self, client, cas_settings, cas_server):
        response, service, ticket, _session = cas_sign_in(client, cas_server, ZHANG)
        assert response.status_code == 302

        attacker = Client()
        replay = back_with_ticket(attacker, service, ticket)

        assert replay.status_code == 403
        assert "统一身份认证登录未能完成" in replay.content.decode()
        assert not auth.get_user(attacker).is_authenticated

    def test_ticket_issued_for_another_service_is_refused(self, client, cas_settings, cas_server):
        ticket, _session = cas_server.ticket_for("https://other.example.org/app/", ZHANG)

        response = back_with_ticket(client, service_for("/"), ticket)

        assert response.status_code == 403
        assert not auth.get_user(client).is_authenticated
        assert not User.objects.filter(username=ZHANG).exists()

    def test_made_up_tickets_cannot_lock_an_address_out_of_cas(
        self, client, cas_settings, cas_server
    ):
        # More refused tickets from one address than the lockout allows passwords...
        for _ in range(cas_settings.AXES_FAILURE_LIMIT + 1):
            response = back_with_ticket(client, service_for("/"), "ST-made-up")
            assert response.status_code == 403
            assert response.context["next"] == "/"
        assert not AccessAttempt.objects.exists()

        # ... and a real sign-in from the same address still works.
        response, *_ = cas_sign_in(client, cas_server, ZHANG)
        assert response.status_code == 302
        assert auth.get_user(client).is_authenticated


class TestNext:
    @pytest.mark.parametrize(
        "outside",
        [
            "https://evil.example.com/",
            "//evil.example.com/",
            "/\\evil.example.com",
            "javascript:alert(1)",
            "http://testserver.evil.example.com/",
        ],
    )
    def test_outside_next_is_replaced_before_the_round_trip(self, client, cas_settings, outside):
        response = client.get(CAS_LOGIN, {"next": outside})

        assert response.status_code == 302
        assert response["Location"] == f"{CAS_LOGIN}?next=%2F"

    def test_outside_next_slipped_into_the_service_url_is_not_followed(
        self, client, cas_settings, cas_server
    ):
        # The service URL is what comes back: someone could hand a student a CAS link
        # whose service already carries an outside `next`.
        service = service_for("https://evil.example.com/")
        ticket, _session = cas_server.ticket_for(service, ZHANG)

        response = back_with_ticket(client, service, ticket)

        assert response.status_code == 302
        assert response["Location"] == "/"

    def test_outside_next_posted_is_not_a_500(self, client, cas_settings):
        response = client.post(f"{CAS_LOGIN}?next=%2F", {"next": "https://evil.example.com/"})

        assert response.status_code == 302
        assert response["Location"] == f"{CAS_LOGIN}?next=%2F"

    def test_with_ldap_and_cas_the_form_asks_for_the_student_id(self, client, cas_settings):
        cas_settings.AUTH_METHODS = ["ldap", "cas"]

        response = client.get("/accounts/login/")

        assert "data-cas-login" in response.content.decode()
        assert "用学号和统一身份认证密码登录，或使用本地账户" in response.content.decode()
        assert response.context["form"].fields["username"].label == "学号"

    def test_login_page_button_carries_next(self, client, cas_settings):
        page = client.get("/accounts/login/", {"next": "/applications/"}).content.decode()

        assert f'href="{CAS_LOGIN}?next=/applications/"' in page or (
            f'href="{CAS_LOGIN}?next=%2Fapplications%2F"' in page
        )
        assert "统一身份认证登录" in page


class TestServerTrouble:
    def test_server_down_gives_a_chinese_message_not_a_500(self, client, cas_settings, closed_port):
        cas_settings.CAS_SERVER_URL = f"http://127.0.0.1:{closed_port}/cas/"

        response = back_with_ticket(client, service_for("/"), "ST-anything")

        assert response.status_code == 503
        assert "统一身份认证服务暂时无法连接" in response.content.decode()
        # An outage is not the student's failed attempt.
        assert not AccessAttempt.objects.exists()

    def test_hung_server_times_out_with_the_same_message(self, client, cas_settings, silent_http):
        cas_settings.CAS_SERVER_URL = silent_http
        cas_settings.CAS_TIMEOUT = 1

        response = back_with_ticket(client, service_for("/"), "ST-anything")

        assert response.status_code == 503
        assert "统一身份认证服务暂时无法连接" in response.content.decode()

    def test_cas_urls_are_404_when_cas_is_off(self, client, settings):
        settings.AUTH_METHODS = ["ldap"]

        assert client.get(CAS_LOGIN).status_code == 404
        assert "data-cas-login" not in client.get("/accounts/login/").content.decode()


class TestAdmin:
    def test_admin_login_sends_to_the_portal_login_page_with_its_cas_button(
        self, client, cas_settings
    ):
        response = client.get("/admin/login/", {"next": "/admin/applications/"})

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fapplications%2F"

    def test_admin_login_form_unchanged_without_cas(self, client, settings):
        settings.AUTH_METHODS = ["ldap"]

        assert client.get("/admin/login/").status_code == 200


class TestLocalAccounts:
    def test_break_glass_administrator_signs_in_with_the_form(self, client, cas_settings):
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)

        response = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})

        assert response.status_code == 302
        assert auth.get_user(client) == admin
        # Local sign-out stays local (no CAS server involved).
        assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


class TestOfficeGroupsFromAttributes:
    def test_clerk_gets_office_group_and_staff_and_loses_them_when_removed(
        self, client, cas_settings, cas_server
    ):
        cas_sign_in(client, cas_server, CLERK)
        clerk = User.objects.get(username=CLERK)
        assert clerk.is_staff
        assert list(clerk.groups.values_list("name", flat=True)) == [OUTBOUND]
        assert client.get("/admin/").status_code == 200

        cas_server.set_attributes(CLERK, memberOf=[])
        client.post("/accounts/logout/")
        client.get(CAS_LOGIN)  # the CAS session ended with 退出: sign in again
        cas_sign_in(client, cas_server, CLERK)
        clerk.refresh_from_db()
        assert not clerk.is_staff
        assert not clerk.groups.exists()
        assert client.get("/admin/").status_code == 302

    def test_group_value_is_compared_as_a_dn(self, client, cas_settings, cas_server):
        cas_server.set_attributes(CLERK, memberOf=[OUTBOUND_GROUP_DN.upper().replace(",", ", ")])
        cas_sign_in(client, cas_server, CLERK)

        assert Group.objects.get(name=OUTBOUND).user_set.filter(username=CLERK).exists()


def _settings_with(**env):
    """The settings a fresh process builds from this environment."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.AUTHENTICATION_BACKENDS); "
            "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


class TestSettings:
    def test_cas_method_adds_backend_and_lets_logout_reach_the_cas_server(self):
        out = _settings_with(
            AUTH_METHODS="ldap,cas", CAS_SERVER_URL="https://cas.example.edu.cn/cas/"
        )

        assert out.returncode == 0, out.stderr
        assert "apps.accounts.cas.PortalCASBackend" in out.stdout
        # Browsers apply form-action to the 退出 form's redirect to the CAS logout.
        assert "https://cas.example.edu.cn" in out.stdout

    def test_cas_without_a_server_url_refuses_to_start(self):
        out = _settings_with(AUTH_METHODS="cas", CAS_SERVER_URL="")

        assert out.returncode != 0
        assert "CAS_SERVER_URL" in out.stderr
