"""Local sign-in, sign-out and the 个人信息 page (the LDAP side is in test_ldap_login.py)."""

import pytest
from django.contrib import auth
from django.urls import reverse

from apps.accounts.models import StudentProfile
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
PROFILE = reverse("accounts:profile")


def test_sign_in_returns_to_the_page_that_asked_for_it(client):
    UserFactory(username="2023301000001")
    response = client.post(
        f"{LOGIN}?next=/programs/hmt/", {"username": "2023301000001", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/programs/hmt/"


def test_sign_in_never_redirects_to_another_site(client):
    UserFactory(username="2023301000001")
    response = client.post(
        f"{LOGIN}?next=https://evil.example/", {"username": "2023301000001", "password": PASSWORD}
    )
    assert response.url == reverse("programs:home")


def test_empty_form_says_which_fields_are_missing(client):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.text.count("这个字段是必填项") == 2


def test_signed_in_student_visiting_login_goes_home(student_client):
    assert student_client.get(LOGIN).url == reverse("programs:home")


def test_sign_out_is_a_post_and_ends_the_session(student_client):
    assert student_client.get(LOGOUT).status_code == 405
    response = student_client.post(LOGOUT)
    assert response.status_code == 302 and response.url == LOGIN
    assert not auth.get_user(student_client).is_authenticated


def test_profile_needs_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_student_without_directory_data_edits_every_field(student_client, student):
    data = {
        "name": "张晓明",
        "name_en": "Zhang Xiaoming",
        "gender": "male",
        "school": "计算机学院",
        "major": "软件工程",
        "degree_level": "undergraduate",
        "enrollment_year": "2023",
        "phone": "+86 138-0013-8000",
        "email": "zhangxm@example.edu.cn",
    }
    response = student_client.post(PROFILE, data, follow=True)
    assert "个人信息已保存" in response.text
    profile = StudentProfile.objects.get(user=student)
    assert (profile.major, profile.enrollment_year, profile.phone) == (
        "软件工程",
        2023,
        "+86 138-0013-8000",
    )


def test_bad_profile_input_is_explained_in_chinese_and_nothing_is_saved(student_client, student):
    response = student_client.post(
        PROFILE,
        {"name": "张晓明", "enrollment_year": "1800", "phone": "call me", "email": "not-an-email"},
    )
    assert response.status_code == 200
    assert "请输入有效的电话号码" in response.text
    assert "输入一个有效的 Email 地址" in response.text
    assert "确保该值大于或等于1950" in response.text
    profile = StudentProfile.objects.get(user=student)
    assert profile.phone == "" and profile.enrollment_year is None


def test_staff_member_without_a_profile_gets_an_empty_one(client):
    clerk = UserFactory(username="intl_clerk", is_staff=True)
    client.force_login(clerk)
    assert client.get(PROFILE).status_code == 200
    assert StudentProfile.objects.filter(user=clerk).exists()
