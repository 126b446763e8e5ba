"""Every form and action refuses a POST without a valid CSRF token: the portal's own 403
page, in the visitor's language, and nothing written."""

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from apps.accounts.models import StudentProfile
from apps.applications.models import Application, ApplicationEvent, Notice
from apps.attachments.models import Attachment
from apps.programs.models import Program
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

from .fuzz import languages, post, rolled_back, rows, speak, text

pytestmark = [pytest.mark.django_db, pytest.mark.badinput]

WRITES = (
    Application,
    ApplicationEvent,
    Attachment,
    Notice,
    Program,
    ReturnSummary,
    ScoreSupplement,
    StudentProfile,
)
ADMIN = "/admin/applications/application/"

# Every URL that takes a POST: who sends it, and a body that would otherwise be accepted.
ENDPOINTS = {
    "sign-in": (None, lambda o: reverse("accounts:login"), {"username": "x", "password": "y"}),
    "admin-sign-in": (None, lambda o: "/admin/login/", {"username": "x", "password": "y"}),
    "sign-out": ("student", lambda o: reverse("accounts:logout"), {}),
    "language": ("student", lambda o: reverse("set_language"), {"language": "en"}),
    "profile": ("student", lambda o: reverse("accounts:profile"), {"name_en": "Forged"}),
    "apply": ("student", lambda o: reverse("applications:start", args=[o.program.pk]), {}),
    "save": (
        "student",
        lambda o: reverse("applications:edit", args=[o.draft.pk]),
        {"action": "submit"},
    ),
    "withdraw": ("student", lambda o: reverse("applications:withdraw", args=[o.submitted.pk]), {}),
    "dismiss": (
        "student",
        lambda o: reverse("applications:dismiss_notice", args=[o.notice.pk]),
        {},
    ),
    "score": (
        "student",
        lambda o: reverse("scores:supplement", args=[o.submitted.pk]),
        {"language_test": "ielts", "language_score": "7"},
    ),
    "summary": (
        "student",
        lambda o: reverse("summaries:edit", args=[o.admitted.pk]),
        {"action": "save", "return_date": "2026-01-01"},
    ),
    "review": ("clerk", lambda o: f"{ADMIN}{o.submitted.pk}/review/approve/", {}),
    "action": (
        "clerk",
        lambda o: ADMIN,
        {"action": "approve_selected", "index": "0", "_selected_action": "SUBMITTED"},
    ),
    "result": (
        "clerk",
        lambda o: f"{ADMIN}{o.approved.pk}/admission-result/",
        {"result": "admitted"},
    ),
    "import": ("clerk", lambda o: f"{ADMIN}admission-results/import/", {"file": "x"}),
    "confirm": ("clerk", lambda o: f"{ADMIN}admission-results/confirm/", {"token": "x"}),
    "error rows": ("clerk", lambda o: f"{ADMIN}admission-results/errors/", {"token": "x"}),
    "revert review": ("clerk", lambda o: f"{ADMIN}{o.approved.pk}/revert-review/", {"reason": "x"}),
    "revert result": (
        "clerk",
        lambda o: f"{ADMIN}{o.approved.pk}/revert-admission/",
        {"reason": "x"},
    ),
    "program": (
        "clerk",
        lambda o: f"/admin/programs/program/{o.program.pk}/change/",
        {"title": "x"},
    ),
    "copy": (
        "clerk",
        lambda o: "/admin/programs/program/",
        {"action": "duplicate_for_next_term", "index": "0", "_selected_action": "PROGRAM"},
    ),
}


class Objects:
    """What the endpoints act on. The token is checked before any view runs, so any row
    in any state will do."""

    def __init__(self, **objects):
        self.__dict__.update(objects)


@pytest.fixture
def objects(student, clerk, program, draft, approved):
    return Objects(
        student=student,
        clerk=clerk,
        program=program,
        draft=draft,
        submitted=draft,
        approved=approved,
        admitted=approved,
        notice=Objects(pk=1),
    )


def token_variants():
    """No token; a token of another secret; anything at all; with or without a cookie."""
    other = _mask_cipher_secret(_get_new_csrf_string())
    token = st.one_of(st.none(), st.just(other), text)
    # A cookie is a header: Latin-1 only, as a real request's bytes are decoded.
    latin = st.text(st.characters(max_codepoint=255, exclude_characters=";"), max_size=64)
    cookie = st.one_of(st.none(), st.just(_get_new_csrf_string()), latin)
    return st.tuples(token, cookie)


@given(endpoint=st.sampled_from(sorted(ENDPOINTS)), variant=token_variants(), language=languages)
def test_a_post_without_a_valid_token_is_refused_with_a_page_that_says_what_to_do(
    objects, endpoint, variant, language
):
    who, url, body = ENDPOINTS[endpoint]
    ids = {"SUBMITTED": str(objects.submitted.pk), "PROGRAM": str(objects.program.pk)}
    body = [(k, ids.get(v, v)) for k, v in body.items()]
    token, cookie = variant
    client = Client(enforce_csrf_checks=True)
    if who is not None:
        client.force_login(getattr(objects, who))
    with rolled_back():
        speak(client, language)
        if cookie is not None:
            client.cookies[settings.CSRF_COOKIE_NAME] = cookie
        if token is not None:
            body.append(("csrfmiddlewaretoken", token))
        before = rows(*WRITES)

        response = post(client, url(objects), body)

        if response is None:
            return
        assert response.status_code == 403
        assert [t.name for t in response.templates][0] == "403_csrf.html"
        page = response.content.decode()
        if language == "en":
            assert "The page has expired; nothing was sent" in page
        else:
            assert "页面已过期，未能提交" in page
        assert rows(*WRITES) == before


def test_the_token_of_the_page_itself_is_accepted(student):
    """The refusals above are about the token: the page's own token goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    page = client.get(reverse("accounts:profile"))
    token = page.context["csrf_token"]

    response = client.post(
        reverse("accounts:profile"), {"name_en": "Zhang Xiaoming", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert StudentProfile.objects.get(user=student).name_en == "Zhang Xiaoming"
