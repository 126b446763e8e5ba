"""Signing in with 学号 + 统一身份认证密码 against a real slapd (tests/ldap_server.py).

Nothing about the directory is mocked: every login below binds to the private
slapd that the session-scoped `slapd` fixture started.
"""

import ldap
import pytest
from django.contrib import auth
from django.contrib.auth import get_user_model

from apps.accounts.identity import profile_values_from_attrs
from apps.accounts.models import DegreeLevel, StudentProfile
from tests.factories import UserFactory
from tests.ldap_server import LDAP_PROFILE_ATTR_MAP, STUDENTS, Slapd, free_loopback_port

LOGIN_URL = "/accounts/login/"
PROFILE_URL = "/accounts/profile/"

ZHANG = "2021301000001"  # every profile attribute in the directory
LI = "2022301000002"  # only cn and mail
WANG = "2020301000003"  # changed by the registry office between two sign-ins

WRONG_LOGIN = "学号或密码错误"
DIRECTORY_DOWN = "统一身份认证服务暂时无法连接"
DIRECTORY_ERROR = "统一身份认证服务未能完成登录"

User = get_user_model()


def sign_in(client, username, password=None):
    if password is None:
        password = STUDENTS[username]["password"]
    return client.post(LOGIN_URL, {"username": username, "password": password})


# What 张三's directory entry puts into the profile.
ZHANG_FROM_DIRECTORY = {
    "name": "张三",
    "name_en": "Zhang San",
    "email": "zhangsan@example.edu",
    "phone": "13800138000",
    "school": "计算机学院",
    "major": "软件工程",
    "degree_level": DegreeLevel.UNDERGRADUATE,
}


def profile_values(profile):
    return {field: getattr(profile, field) for field in ZHANG_FROM_DIRECTORY}


def signed_in_user(client):
    return auth.get_user(client)


@pytest.mark.ldap
@pytest.mark.django_db
class TestSignInWithDirectoryPassword:
    def test_right_password_signs_in_creates_user_and_fills_profile(self, client, ldap_settings):
        response = sign_in(client, ZHANG)

        assert response.status_code == 302
        user = signed_in_user(client)
        assert user.is_authenticated
        assert user.username == ZHANG
        assert user.email == "zhangsan@example.edu"
        assert not user.has_usable_password()  # the directory holds the password, not us
        profile = StudentProfile.objects.get(user=user)
        assert profile_values(profile) == ZHANG_FROM_DIRECTORY
        assert profile.ldap_fields == sorted(ZHANG_FROM_DIRECTORY)

    def test_second_sign_in_picks_up_directory_changes_without_a_second_user(
        self, client, ldap_settings, slapd
    ):
        sign_in(client, WANG)
        first = StudentProfile.objects.get(user__username=WANG)
        assert (first.school, first.degree_level) == ("数学学院", DegreeLevel.MASTER)
        client.logout()

        slapd.replace(
            WANG,
            ou="统计学院",
            departmentNumber="统计学",
            employeeType="博士研究生",
            mobile="13700137000",
        )
        try:
            response = sign_in(client, WANG)
        finally:
            slapd.replace(
                WANG,
                ou="数学学院",
                departmentNumber="应用数学",
                employeeType="硕士研究生",
                mobile="13900139000",
            )

        assert response.status_code == 302
        assert signed_in_user(client).username == WANG
        assert User.objects.filter(username=WANG).count() == 1
        assert StudentProfile.objects.filter(user__username=WANG).count() == 1
        profile = StudentProfile.objects.get(user__username=WANG)
        assert profile.pk == first.pk
        assert profile.school == "统计学院"
        assert profile.major == "统计学"
        assert profile.degree_level == DegreeLevel.DOCTORATE
        assert profile.phone == "13700137000"

    def test_wrong_password_is_refused_with_wrong_password_message(self, client, ldap_settings):
        response = sign_in(client, ZHANG, "not-the-password")

        assert response.status_code == 200
        assert WRONG_LOGIN in response.text
        assert DIRECTORY_DOWN not in response.text
        assert not signed_in_user(client).is_authenticated
        assert not User.objects.filter(username=ZHANG).exists()

    def test_unknown_student_id_gets_the_same_message_as_a_wrong_password(
        self, client, ldap_settings
    ):
        response = sign_in(client, "2099999999999", "whatever-Pass1")

        assert response.status_code == 200
        assert WRONG_LOGIN in response.text
        assert DIRECTORY_DOWN not in response.text
        assert not signed_in_user(client).is_authenticated
        assert not User.objects.filter(username="2099999999999").exists()

    def test_directory_down_says_so_quickly_instead_of_failing(self, client, ldap_settings):
        # A loopback port nobody listens on: the connection is refused.
        ldap_settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_loopback_port()}/"

        response = sign_in(client, ZHANG)

        assert response.status_code == 200
        assert DIRECTORY_DOWN in response.text
        assert WRONG_LOGIN not in response.text
        assert not signed_in_user(client).is_authenticated

    def test_hung_directory_times_out_and_says_so(self, client, ldap_settings, silent_server):
        # Keep the keys the project sets, shortened so the test stays quick: without
        # OPT_TIMEOUT the bind would wait until the silent server hangs up.
        ldap_settings.AUTH_LDAP_SERVER_URI = silent_server
        ldap_settings.AUTH_LDAP_CONNECTION_OPTIONS = {
            option: 1 if option in (ldap.OPT_NETWORK_TIMEOUT, ldap.OPT_TIMEOUT) else value
            for option, value in ldap_settings.AUTH_LDAP_CONNECTION_OPTIONS.items()
        }

        response = sign_in(client, ZHANG)

        assert response.status_code == 200
        assert DIRECTORY_DOWN in response.text
        assert silent_server.held, "the login reached the directory"
        assert not silent_server.hung_up(), "it gave up by its own timeout, not the server's"

    def test_directory_that_hides_the_students_entry_is_not_called_a_wrong_password(
        self, client, ldap_settings
    ):
        # The password is right (the bind succeeds) but the directory's rules forbid
        # reading the entry: a configuration problem, not the student's mistake.
        hiding = "access to attrs=userPassword by anonymous auth by * none\naccess to * by * none"
        with Slapd(access_rules=hiding) as directory:
            ldap_settings.AUTH_LDAP_SERVER_URI = directory.uri
            response = sign_in(client, ZHANG)

        assert response.status_code == 200
        assert DIRECTORY_ERROR in response.text
        assert WRONG_LOGIN not in response.text and DIRECTORY_DOWN not in response.text
        assert not signed_in_user(client).is_authenticated

    def test_local_staff_account_still_signs_in_while_ldap_is_configured(
        self, client, ldap_settings, password
    ):
        staff = UserFactory(username="office-teacher", is_staff=True)

        response = sign_in(client, "office-teacher", password)

        assert response.status_code == 302
        user = signed_in_user(client)
        assert user.pk == staff.pk
        assert client.session[auth.BACKEND_SESSION_KEY] == (
            "apps.accounts.backends.PortalModelBackend"
        )


@pytest.mark.ldap
@pytest.mark.django_db
class TestProfileFieldsFromDirectory:
    def test_directory_fields_are_disabled_and_cannot_be_changed_by_post(
        self, client, ldap_settings
    ):
        sign_in(client, ZHANG)

        page = client.get(PROFILE_URL)
        form = page.context["form"]
        for field in ["name", "name_en", "email", "phone", "school", "major", "degree_level"]:
            assert form.fields[field].disabled, field
        assert not form.fields["gender"].disabled
        assert not form.fields["enrollment_year"].disabled

        response = client.post(
            PROFILE_URL,
            {
                "name": "改名",
                "name_en": "Someone Else",
                "email": "other@example.com",
                "phone": "13111111111",
                "school": "外国语学院",
                "major": "英语",
                "degree_level": "doctorate",
                "gender": "male",
                "enrollment_year": "2021",
            },
        )

        assert response.status_code == 302
        profile = StudentProfile.objects.get(user__username=ZHANG)
        assert profile_values(profile) == ZHANG_FROM_DIRECTORY
        # What the directory does not know stays the student's to fill in.
        assert profile.gender == "male"
        assert profile.enrollment_year == 2021

    def test_fields_the_directory_lacks_are_editable_by_the_student(self, client, ldap_settings):
        sign_in(client, LI)
        profile = StudentProfile.objects.get(user__username=LI)
        assert profile.ldap_fields == ["email", "name"]

        page = client.get(PROFILE_URL)
        form = page.context["form"]
        assert form.fields["name"].disabled
        assert form.fields["email"].disabled
        for field in ["name_en", "phone", "school", "major", "degree_level", "enrollment_year"]:
            assert not form.fields[field].disabled, field

        response = client.post(
            PROFILE_URL,
            {
                "name": "改名",
                "email": "other@example.com",
                "name_en": "Li Si",
                "gender": "female",
                "school": "物理学院",
                "major": "应用物理",
                "degree_level": "master",
                "enrollment_year": "2022",
                "phone": "13600136000",
            },
        )

        assert response.status_code == 302
        profile.refresh_from_db()
        assert (profile.name, profile.email) == ("李四", "lisi@example.edu")
        assert profile.name_en == "Li Si"
        assert profile.school == "物理学院"
        assert profile.major == "应用物理"
        assert profile.degree_level == DegreeLevel.MASTER
        assert profile.enrollment_year == 2022
        assert profile.phone == "13600136000"

    def test_student_edits_survive_the_next_sign_in(self, client, ldap_settings):
        sign_in(client, LI)
        profile = StudentProfile.objects.get(user__username=LI)
        profile.school = "物理学院"
        profile.save()
        client.logout()

        sign_in(client, LI)

        profile.refresh_from_db()
        assert profile.school == "物理学院"
        assert profile.ldap_fields == ["email", "name"]


@pytest.mark.parametrize(
    ("employee_type", "expected"),
    [
        ("博士研究生", DegreeLevel.DOCTORATE),
        ("博士", DegreeLevel.DOCTORATE),
        ("PhD", DegreeLevel.DOCTORATE),
        ("硕士研究生", DegreeLevel.MASTER),
        ("Master", DegreeLevel.MASTER),
        ("本科生", DegreeLevel.UNDERGRADUATE),
        ("本科", DegreeLevel.UNDERGRADUATE),
        ("Undergraduate", DegreeLevel.UNDERGRADUATE),
    ],
)
def test_degree_level_is_read_from_the_directory_wording(settings, employee_type, expected):
    settings.PROFILE_ATTR_MAP = {"degree_level": "employeeType"}

    assert profile_values_from_attrs({"employeeType": [employee_type]}) == {
        "degree_level": expected
    }


@pytest.mark.parametrize("employee_type", ["进修生", "教职工", "", "   "])
def test_unknown_degree_wording_is_ignored_and_stays_editable(settings, employee_type):
    settings.PROFILE_ATTR_MAP = {"name": "cn", "degree_level": "employeeType"}

    values = profile_values_from_attrs({"cn": ["张三"], "employeeType": [employee_type]})

    assert values == {"name": "张三"}


def test_directory_values_the_form_would_refuse_are_left_editable(settings):
    """Locked and invalid, a value would block 提交 for good: such values are not taken."""
    settings.PROFILE_ATTR_MAP = {**LDAP_PROFILE_ATTR_MAP, "enrollment_year": "title"}
    values = profile_values_from_attrs(
        {
            "cn": ["张三"],
            "mail": ["not-an-email"],
            "mobile": ["(010)62751234"],
            "title": ["1900"],
            "ou": ["计算机学院"],
        }
    )
    assert values == {"name": "张三", "school": "计算机学院"}
