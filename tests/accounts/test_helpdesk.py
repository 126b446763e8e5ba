"""Wherever a student is sent to "the office", it is the right one: HELPDESK_CONTACT when
set, else each track's office by name (a student signing in has no track yet)."""

import pytest
from django.urls import reverse
from django.utils import translation

from apps.accounts.forms import PortalLoginForm

pytestmark = pytest.mark.django_db

BOTH = "国际交流部学生出国事务办公室（国际项目）或港澳台事务办公室（港澳台项目）"


def test_a_refused_page_names_both_offices(client, student):
    client.force_login(student)
    response = client.get(reverse("applications:verify"))
    assert response.status_code == 403
    assert f"请联系{BOTH}。" in response.text


def test_a_refused_page_names_the_helpdesk_setting(client, student, settings):
    settings.HELPDESK_CONTACT = "学生事务服务中心"
    client.force_login(student)
    response = client.get(reverse("applications:verify"))
    assert "请联系学生事务服务中心。" in response.text and "出国事务办公室" not in response.text


def test_sign_in_messages_follow_the_setting_and_the_language(settings):
    messages = PortalLoginForm.error_messages
    with translation.override("zh-hans"):
        assert str(messages["inactive"]) == f"该账户已被停用，请联系{BOTH}。"
        settings.HELPDESK_CONTACT = "学生事务服务中心"
        assert "请联系学生事务服务中心。" in str(messages["directory_error"])
    with translation.override("en"):
        assert (
            str(messages["inactive"])
            == "This account has been deactivated. Please contact 学生事务服务中心."
        )
