"""Generated query strings and object ids for the pages that read them: admin lists and
filters, statistics, exports, change pages and the catalog. Never a server error."""

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from apps.accounts import calendar_feeds

from .fuzz import (
    choice,
    form_body,
    languages,
    number,
    rolled_back,
    speak,
    text,
    url_part,
    urlencoded,
)

pytestmark = [pytest.mark.django_db, pytest.mark.badinput]

ADMIN = "/admin/"
LISTS = [
    f"{ADMIN}applications/application/",
    f"{ADMIN}applications/application/statistics/",
    f"{ADMIN}applications/application/export/csv/",
    f"{ADMIN}applications/application/export/xlsx/",
    f"{ADMIN}applications/applicationevent/",
    f"{ADMIN}programs/program/",
    f"{ADMIN}attachments/attachment/",
    f"{ADMIN}scores/scoresupplement/",
    f"{ADMIN}summaries/returnsummary/",
    f"{ADMIN}core/auditentry/",
    f"{ADMIN}accounts/studentprofile/",
    "/programs/international/",
    "/programs/hmt/",
]
CHANGE_PAGES = ["applications/application", "programs/program", "core/auditentry"]
PARAMS = {
    "q": text,
    "p": number,
    "o": text,
    "e": text,
    "page": number,
    "state": choice("open", "upcoming", "closed"),
    "program": number,
    "status": choice("submitted", "approved", "draft"),
    "admission_result__exact": choice("admitted", "pending"),
    "region": choice("international", "hmt"),
    "school": text,
    "degree_level__exact": text,
    "year": number,
    "window": choice("open", "closed"),
    "term": text,
    "kind__exact": text,
    "model": text,
    "timestamp__year": number,
    "_changelist_filters": text,
    # 只看我符合条件的项目 (the catalog) and the office list's 申请条件 filter.
    "eligible": choice("1", "on", ""),
    "eligibility__exact": choice("met", "not_met", "unknown", ""),
}


@given(
    page=st.one_of(
        st.sampled_from(LISTS),
        st.tuples(st.sampled_from(CHANGE_PAGES), st.one_of(number, text)).map(
            lambda pair: f"{ADMIN}{pair[0]}/{url_part(pair[1])}/change/"
        ),
    ),
    query=form_body(PARAMS),
    who=st.sampled_from(["superuser", "clerk"]),
    language=languages,
)
@example(page=LISTS[0], query=[("program", "²")], who="clerk", language="zh-hans")
@example(page=LISTS[1], query=[("year", "²")], who="superuser", language="zh-hans")
@example(page=LISTS[1], query=[("year", "9" * 30)], who="superuser", language="zh-hans")
@example(page=f"{ADMIN}applications/application/²/change/", query=[], who="clerk", language="en")
def test_pages_answer_any_query_without_a_server_error(
    client, superuser, clerk, approved, page, query, who, language
):
    client.force_login(superuser if who == "superuser" else clerk)
    with rolled_back():
        speak(client, language)
        response = client.get(f"{page}?{urlencoded(query)}")
        assert response.status_code in (200, 302, 403, 404)


@given(query=form_body({"token": text, "x": text, "lang": text}), language=languages)
def test_calendar_files_answer_any_query_string(client, student, program, query, language):
    """加入日历 and the personal feed read no query: any one gives the same calendar."""
    token = calendar_feeds.issue(student)
    client.force_login(student)
    with rolled_back():
        speak(client, language)
        for url in (
            reverse("programs:calendar", args=[program.region, program.pk]),
            reverse("applications:calendar_feed", args=[token]),
        ):
            response = client.get(f"{url}?{urlencoded(query)}")
            assert response.status_code == 200
            assert response.content.startswith(b"BEGIN:VCALENDAR")
