"""Chinese first, English on request, and the English catalog complete."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_chinese_even_for_an_english_browser(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "统一身份认证密码" in response.text
    assert response["Content-Language"] == "zh-hans"


def test_switching_to_english_and_back(student_client):
    response = student_client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, follow=True
    )
    assert "Inter-university Exchange Programs (International)" in response.text
    assert response.context["LANGUAGE_CODE"] == "en"

    response = student_client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True
    )
    assert "校际交流项目（国际）" in response.text


def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert "统一身份认证密码" in client.get(reverse("accounts:login")).text


def _untranslated(entry):
    lines = entry.strip().splitlines()
    return any(
        re.fullmatch(r'msgstr(\[\d\])? ""', line)
        and not (i + 1 < len(lines) and lines[i + 1].startswith('"'))
        for i, line in enumerate(lines)
    )


def test_every_english_message_is_translated():
    po = Path(settings.BASE_DIR, "locale", "en", "LC_MESSAGES", "django.po").read_text("utf-8")
    entries = po.split("\n\n")[1:]  # the first block is the header
    assert [e for e in entries if _untranslated(e)] == []
    assert [e for e in entries if "#, fuzzy" in e] == []


HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def test_application_pages_are_complete_in_english(
    client, make_submitted, make_draft, make_admitted
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts.models import StudentProfile
    from tests.factories import ProgramFactory

    draft = make_draft(
        program=ProgramFactory(title="Tokyo Exchange", partner="U Tokyo", country="Japan"),
        complete=False,
        name="Li Lei",
        school="Computer Science",
    )
    submitted = make_submitted(
        program=ProgramFactory(title="Kyoto Exchange", partner="U Kyoto", country="Japan"),
        name="Li Lei",
        school="Computer Science",
        major="Software",
    )
    admitted = make_admitted(
        program=ProgramFactory(
            title="Osaka Exchange",
            partner="U Osaka",
            country="Japan",
            start_date=timezone.localdate() - timedelta(days=100),
        ),
        name="Li Lei",
        school="Computer Science",
        major="Software",
    )
    StudentProfile.objects.filter(user=draft.student).update(name="Li Lei", school="CS")
    client.force_login(draft.student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = [
        reverse("applications:list"),
        reverse("applications:edit", args=[draft.pk]),
        reverse("applications:detail", args=[submitted.pk]),
        reverse("applications:withdraw", args=[submitted.pk]),
        reverse("scores:supplement", args=[submitted.pk]),
        reverse("applications:detail", args=[admitted.pk]),
        reverse("summaries:edit", args=[admitted.pk]),
        draft.program.get_absolute_url(),
    ]
    for url in pages:
        text = client.get(url).text.replace("中文", "")  # the language switch names itself
        assert HAN.findall(text) == [], url
