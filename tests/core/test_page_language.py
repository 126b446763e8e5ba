"""On an English page, Chinese data (a program's title, the student's name) carries
lang="zh-Hans"; the page's own words (breadcrumb, Close, the skip link) are English."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.factories import ProgramFactory


@pytest.mark.parametrize(
    "language, value, expected",
    [
        ("en", "东京大学交换项目", ' lang="zh-Hans"'),
        ("en", "Summer School 2027", ""),
        ("en", "", ""),
        ("zh-hans", "东京大学交换项目", ""),
    ],
)
def test_data_lang_marks_chinese_data_on_pages_in_another_language(language, value, expected):
    with translation.override(language):
        html = Template("{% load portal_lang %}<a{% data_lang v %}>").render(Context({"v": value}))
    assert html == f"<a{expected}>"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_english_catalog_marks_the_chinese_titles_and_partners(student_client):
    ProgramFactory(title="东京大学交换项目", partner="东京大学")
    catalog = reverse("programs:list", args=["international"])
    html = english(student_client).get(catalog).content.decode()
    assert re.search(r'<a class="fw-semibold" href="[^"]+" lang="zh-Hans">东京大学交换项目<', html)
    assert '<td class="d-none d-md-table-cell" lang="zh-Hans">东京大学</td>' in html
    # and the header's name of the student
    assert '<span lang="zh-Hans">张晓明</span>' in html


def test_english_home_marks_the_chinese_name_inside_the_welcome(student_client):
    html = english(student_client).get(reverse("programs:home")).content.decode()
    assert 'Welcome to the Student Exchange Portal, <span lang="zh-Hans">张晓明</span>.' in html


def test_lang_span_escapes_what_it_wraps():
    with translation.override("en"):
        template = Template("{% load portal_lang %}{{ v|lang_span }}")
        html = template.render(Context({"v": "<b>张</b>"}))
    assert html == '<span lang="zh-Hans">&lt;b&gt;张&lt;/b&gt;</span>'


def test_chinese_catalog_has_no_extra_lang(student_client):
    ProgramFactory(title="东京大学交换项目")
    html = student_client.get(reverse("programs:list", args=["international"])).content.decode()
    assert 'lang="zh-Hans"' not in html


@pytest.mark.parametrize(
    "language, skip, breadcrumb, close",
    [
        ("en", "Skip to main content", "Breadcrumb", "Close"),
        ("zh-hans", "跳到主要内容", "导航路径", "关闭"),
    ],
)
def test_page_has_a_skip_link_and_landmarks_named_in_its_language(
    student_client, make_draft, language, skip, breadcrumb, close
):
    student_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    edit = reverse("applications:edit", args=[make_draft().pk])
    student_client.post(edit, {"action": "save"})  # leaves a message to close
    html = student_client.get(edit).content.decode()
    skip_link = '<a class="visually-hidden-focusable skip-link btn btn-light" href="#main">'
    assert f"{skip_link}{skip}</a>" in html
    assert '<main class="flex-grow-1 py-4" id="main">' in html
    assert f'<nav aria-label="{breadcrumb}">' in html
    assert f'data-bs-dismiss="alert" aria-label="{close}"' in html
