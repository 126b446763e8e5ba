"""Login abuse: five wrong passwords lock a 学号 + address pair, against the real slapd.

django-axes counts failures per username *and* client address (AXES_LOCKOUT_PARAMETERS):
nobody can lock a student out from elsewhere, and a shared campus address does not lock
everybody behind it.
"""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib import auth
from django.utils import timezone

from apps.accounts.models import LoginLockout
from tests.factories import UserFactory
from tests.ldap_server import STUDENTS, free_loopback_port

LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
LOCKOUT_ADMIN = "/admin/accounts/loginlockout/"
ZHANG = "2021301000001"
LI = "2022301000002"
LOCKED = "登录失败次数过多，该学号已被暂时锁定"
WRONG_LOGIN = "学号或密码错误"
DIRECTORY_DOWN = "统一身份认证服务暂时无法连接"

pytestmark = [pytest.mark.ldap, pytest.mark.django_db]


def sign_in(client, username, password=None, address="10.1.2.3", url=LOGIN_URL, **extra):
    if password is None:
        password = STUDENTS[username]["password"]
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail_five_times(client, username=ZHANG, address="10.1.2.3", **extra):
    for attempt in range(5):
        response = sign_in(client, username, f"wrong-{attempt}", address=address, **extra)
    return response


def signed_in(client):
    return auth.get_user(client).is_authenticated


def test_fifth_wrong_password_locks_and_says_until_when(client, ldap_settings):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0)), tick=False):
        for attempt in range(4):
            response = sign_in(client, ZHANG, f"wrong-{attempt}")
            assert response.status_code == 200
            assert WRONG_LOGIN in response.text
        response = sign_in(client, ZHANG, "wrong-4")

        assert response.status_code == 429
        assert LOCKED in response.text
        # Asia/Shanghai: 09:00 + 15 minutes of cool-off.
        assert "请在 09:15（约 15 分钟后）再试" in response.text
        assert 'name="username"' in response.text  # still the login page, not a bare 429

        # Even the right password is refused while locked, and the time told does not move.
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
            response = sign_in(client, ZHANG)
        assert response.status_code == 429
        assert "请在 09:15（约 10 分钟后）再试" in response.text
        assert not signed_in(client)


def test_lock_is_told_in_english_on_request(client, ldap_settings):
    client.cookies["django_language"] = "en"
    response = fail_five_times(client)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "try again at" in response.text
    assert LOCKED not in response.text


def test_lock_holds_one_student_at_one_address_only(client, ldap_settings):
    fail_five_times(client, ZHANG, address="10.1.2.3")

    # Another student behind the same address (a dormitory NAT) signs in.
    assert sign_in(client, LI, address="10.1.2.3").status_code == 302
    client.logout()
    # The student from another address signs in: a stranger cannot lock them out.
    assert sign_in(client, ZHANG, address="10.9.9.9").status_code == 302
    assert signed_in(client)


def test_lock_ends_after_the_cool_off(client, ldap_settings):
    fail_five_times(client)
    assert sign_in(client, ZHANG).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = sign_in(client, ZHANG)

    assert response.status_code == 302
    assert signed_in(client)


def test_success_before_the_limit_starts_the_count_again(client, ldap_settings):
    for attempt in range(4):
        sign_in(client, ZHANG, f"wrong-{attempt}")
    assert sign_in(client, ZHANG).status_code == 302
    client.logout()

    for attempt in range(4):
        assert sign_in(client, ZHANG, f"wrong-again-{attempt}").status_code == 200
    assert sign_in(client, ZHANG).status_code == 302


def test_directory_outage_is_not_counted_as_wrong_passwords(client, ldap_settings, slapd):
    ldap_settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_loopback_port()}/"
    for _attempt in range(6):
        response = sign_in(client, ZHANG)
        assert response.status_code == 200
        assert DIRECTORY_DOWN in response.text

    ldap_settings.AUTH_LDAP_SERVER_URI = slapd.uri
    assert sign_in(client, ZHANG).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_passwords_are_not_kept_in_the_attempt_records(client, ldap_settings):
    fail_five_times(client)

    attempt = AccessAttempt.objects.get(username=ZHANG)
    assert "wrong-" not in attempt.post_data


def test_admin_login_is_locked_the_same_way(client, ldap_settings, password):
    UserFactory(username="office-teacher", is_staff=True)
    for attempt in range(5):
        sign_in(client, "office-teacher", f"wrong-{attempt}", url=ADMIN_LOGIN_URL)

    response = sign_in(client, "office-teacher", password, url=ADMIN_LOGIN_URL)

    assert response.status_code == 429
    assert LOCKED in response.text
    assert not signed_in(client)


class TestBehindTheProxy:
    """BEHIND_TLS_PROXY: the address is the one the proxy appended to X-Forwarded-For."""

    def test_the_forwarded_address_is_counted_not_the_proxys(self, client, ldap_settings):
        ldap_settings.BEHIND_TLS_PROXY = True
        fail_five_times(client, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")

        assert AccessAttempt.objects.get().ip_address == "10.1.2.3"
        # Everybody else comes through the same proxy and still signs in.
        response = sign_in(client, ZHANG, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.7.7.7")
        assert response.status_code == 302

    def test_a_forged_forwarded_entry_does_not_escape_the_lock(self, client, ldap_settings):
        ldap_settings.BEHIND_TLS_PROXY = True
        fail_five_times(client, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")

        # The client sends its own X-Forwarded-For; the proxy appends the real address.
        response = sign_in(
            client, ZHANG, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.5.5.5, 10.1.2.3"
        )
        assert response.status_code == 429

    def test_without_the_proxy_setting_the_header_is_ignored(self, client, ldap_settings):
        ldap_settings.BEHIND_TLS_PROXY = False
        fail_five_times(client, address="10.1.2.3", HTTP_X_FORWARDED_FOR="10.5.5.5")

        assert AccessAttempt.objects.get().ip_address == "10.1.2.3"
        response = sign_in(client, ZHANG, address="10.1.2.3", HTTP_X_FORWARDED_FOR="10.6.6.6")
        assert response.status_code == 429


class TestUnlockInAdmin:
    def test_clerk_unlocks_a_student_who_then_signs_in(self, client, ldap_settings, clerk):
        fail_five_times(client)
        attempt = LoginLockout.objects.get(username=ZHANG)

        client.force_login(clerk)
        page = client.get(LOCKOUT_ADMIN)
        assert page.status_code == 200
        assert ZHANG in page.text
        assert "锁定至" in page.text
        response = client.post(
            LOCKOUT_ADMIN, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
        )
        assert "已解锁 1 条记录" in response.text
        client.logout()

        assert sign_in(client, ZHANG).status_code == 302

    def test_clerk_does_not_see_or_unlock_staff_accounts(self, client, ldap_settings, clerk):
        UserFactory(username="office-teacher", is_staff=True)
        fail_five_times(client, "office-teacher")
        attempt = LoginLockout.objects.get(username="office-teacher")

        client.force_login(clerk)
        assert "office-teacher" not in client.get(LOCKOUT_ADMIN).text
        assert client.get(f"{LOCKOUT_ADMIN}{attempt.pk}/change/").status_code == 302
        client.post(LOCKOUT_ADMIN, {"action": "unlock", "_selected_action": [attempt.pk]})
        assert LoginLockout.objects.filter(pk=attempt.pk).exists()

    def test_superuser_sees_every_lockout(self, client, ldap_settings, superuser):
        UserFactory(username="office-teacher", is_staff=True)
        fail_five_times(client, "office-teacher")
        fail_five_times(client, ZHANG)

        client.force_login(superuser)
        page = client.get(LOCKOUT_ADMIN)
        assert "office-teacher" in page.text and ZHANG in page.text
        assert "Attempt" not in page.text  # the portal's words, not axes' English

    def test_lockout_pages_are_chinese_and_read_only(self, client, ldap_settings, superuser):
        fail_five_times(client)
        attempt = LoginLockout.objects.get(username=ZHANG)

        client.force_login(superuser)
        page = client.get(f"{LOCKOUT_ADMIN}{attempt.pk}/change/")
        assert page.status_code == 200
        for label in ["学号/用户名", "IP 地址", "失败次数", "最近一次失败", "状态"]:
            assert label in page.text
        assert "POST Data" not in page.text
        assert client.get(f"{LOCKOUT_ADMIN}add/").status_code == 403


def test_the_lock_names_both_offices_by_track(client, ldap_settings):
    response = fail_five_times(client)
    both = "国际交流部学生出国事务办公室（国际项目）或港澳台事务办公室（港澳台项目）"
    assert f"请联系{both}。" in response.text


def test_the_lock_names_the_helpdesk_setting(client, ldap_settings, settings):
    settings.HELPDESK_CONTACT = "学生事务服务中心（电话 027-0000000）"
    response = fail_five_times(client)
    assert "如需提前解锁，请联系学生事务服务中心（电话 027-0000000）。" in response.text
    assert "学生出国事务办公室" not in response.text
