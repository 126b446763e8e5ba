"""The catalog, a program's page and the home page are rendered once for everyone and
cached (render_shell in apps/core/templatetags/portal_header.py); each request still
gets its own header, messages, CSRF token and the student's own part."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def _signed_in(user, **kwargs):
    browser = Client(**kwargs)
    browser.force_login(user)
    return browser


def test_a_cached_page_names_whoever_asks_and_only_them(student_client):
    program = ProgramFactory()
    other = _signed_in(StudentProfileFactory(name="李四海").user)
    for url in (reverse("programs:home"), reverse("programs:list", args=["international"])):
        assert "张晓明" in student_client.get(url).text
        page = other.get(url).text
        assert "李四海" in page
        assert "张晓明" not in page
    student_client.get(program.get_absolute_url())
    page = other.get(program.get_absolute_url()).text
    assert "李四海" in page
    assert "张晓明" not in page


def test_a_message_after_a_redirect_shows_once_on_a_cached_page(student_client):
    program = ProgramFactory(closed=True)
    assert "portal-messages" not in student_client.get(program.get_absolute_url()).text
    refused = student_client.post(reverse("applications:start", args=[program.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == program.get_absolute_url()
    assert 'class="portal-messages"' in refused.text
    assert "portal-messages" not in student_client.get(program.get_absolute_url()).text


def test_the_apply_form_on_a_cached_program_page_carries_a_working_token(student):
    program = ProgramFactory()
    start = reverse("applications:start", args=[program.pk])
    _signed_in(StudentProfileFactory().user).get(program.get_absolute_url())  # now cached
    browser = _signed_in(student, enforce_csrf_checks=True)
    page = browser.get(program.get_absolute_url()).text
    form = re.search(rf'<form[^>]*action="{re.escape(start)}".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert browser.post(start, {"csrfmiddlewaretoken": token}).status_code == 302
    assert program.applications.filter(student=student).exists()
