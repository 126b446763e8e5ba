"""The page header (apps/core/templatetags/portal_header.py): reused per kind of visitor,
yet right for each request: its forms work, it names who is signed in, marks the page."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from tests.builders import clerk
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _header(response):
    return response.text.split("</header>")[0]


def _token(html, action):
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S).group(0)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_the_headers_forms_carry_a_working_csrf_token(student):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    page = browser.get(reverse("applications:list")).text

    switched = browser.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": _token(page, "/i18n/setlang/")},
    )
    assert switched.status_code == 302
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = browser.get(reverse("applications:list")).text
    logout = reverse("accounts:logout")
    assert browser.post(logout, {"csrfmiddlewaretoken": _token(page, logout)}).status_code == 302
    assert "_auth_user_id" not in browser.session


def test_every_page_masks_the_csrf_secret_afresh(student):
    # Against BREACH, as Django's get_token: the same secret (the cookie's) under a new
    # mask on every response, the first visit's cookie made on the way.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    logout = reverse("accounts:logout")
    tokens = [_token(browser.get(reverse("applications:list")).text, logout) for _ in range(3)]
    secret = browser.cookies[settings.CSRF_COOKIE_NAME].value
    assert len(set(tokens)) == 3
    assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    assert all(len(token) == 64 and token.isalnum() for token in tokens)


def test_a_cached_page_sends_the_csrf_cookie_only_to_a_browser_without_one(student):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    first = browser.get(reverse("applications:list"))
    assert settings.CSRF_COOKIE_NAME in first.cookies  # made on the first visit
    secret = browser.cookies[settings.CSRF_COOKIE_NAME].value

    again = browser.get(reverse("applications:list"))
    assert settings.CSRF_COOKIE_NAME not in again.cookies
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value == secret
    logout = reverse("accounts:logout")
    token = _token(again.text, logout)
    assert browser.post(logout, {"csrfmiddlewaretoken": token}).status_code == 302


def test_a_forged_token_in_the_header_forms_is_still_refused(student):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    browser.get(reverse("applications:list"))
    refused = browser.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    assert "_auth_user_id" in browser.session


def test_the_header_names_the_student_and_follows_a_new_name(student_client, student):
    assert "张晓明" in _header(student_client.get(reverse("programs:home")))
    student.profile.name = "张晓红"
    student.profile.save()
    header = _header(student_client.get(reverse("programs:home")))
    assert "张晓红" in header
    assert "张晓明" not in header


def test_only_staff_see_the_back_office_link(student_client, client):
    admin_link = reverse("admin:index")
    assert admin_link not in _header(student_client.get(reverse("programs:home")))
    client.force_login(clerk("international"))
    assert admin_link in _header(client.get(reverse("programs:home")))


def test_anonymous_visitors_get_no_navigation(client):
    header = _header(client.get(reverse("accounts:login")))
    assert reverse("applications:list") not in header
    assert reverse("accounts:logout") not in header
    assert "English" in header


@pytest.mark.parametrize(
    "url, active",
    [
        (lambda p: reverse("programs:home"), "/"),
        (lambda p: reverse("programs:list", args=["hmt"]), "/programs/hmt/"),
        (lambda p: reverse("programs:detail", args=[p.region, p.pk]), "/programs/international/"),
        (lambda p: reverse("applications:list"), "/applications/"),
        (lambda p: reverse("accounts:profile"), None),
    ],
)
def test_the_active_navigation_item_is_the_pages_own(student_client, url, active):
    program = ProgramFactory(region="international")
    header = _header(student_client.get(url(program)))
    marked = re.findall(r'class="nav-link active" href="([^"]+)"', header)
    assert marked == ([active] if active else [])


def test_the_language_switch_returns_to_the_page_with_its_query_escaped(student_client):
    response = student_client.get(reverse("programs:list", args=["hmt"]), {"q": '"><b>x'})
    header = _header(response)
    assert 'name="next" value="/programs/hmt/?q=%22%3E%3Cb%3Ex"' in header
    assert "<b>x" not in header


def test_the_footer_and_scripts_kept_per_language_are_in_the_pages_language(student_client):
    home = reverse("programs:home")
    chinese = student_client.get(home).text
    student_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = student_client.get(home).text

    assert "请勿将密码告诉他人" in chinese and 'data-busy-text="正在提交…"' in chinese
    assert "Never share your password" in english and 'data-busy-text="Submitting…"' in english
    for page in (chinese, english):
        assert re.search(r'<link rel="stylesheet" href="/static/css/portal\.\w*\.?css">', page)
        assert page.index("</footer>") < page.index('<script src="/static/vendor/bootstrap/')
