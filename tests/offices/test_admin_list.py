"""The offices' list of applications: columns, filters, search, and a query count that does
not grow with the rows."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Application, Status
from apps.core.pagination import EstimatedCountPaginator
from apps.offices.templatetags import admin_list_cache
from apps.programs.models import Region
from tests.factories import ApplicationFactory, ProgramFactory, StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:applications_application_changelist")


def submitted(count, program=None, **fields):
    program = program or ProgramFactory()
    fields = {
        "status": Status.SUBMITTED,
        "submitted_at": timezone.now(),
        "has_passport": False,
        "school": "计算机学院",
        **fields,
    }
    return [
        ApplicationFactory(
            program=program,
            student=StudentProfileFactory().user,
            **{"name": f"申请人{i}", **fields},
        )
        for i in range(count)
    ]


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def test_the_list_shows_what_a_clerk_needs_and_never_drafts(clerk_client, make_draft):
    program = ProgramFactory(title="东京大学交换项目")
    [scored] = submitted(1, program, language_test="ielts", language_score=Decimal("6.5"))
    [blank] = submitted(1, program)
    draft = make_draft(program=program, name="草稿同学")

    page = clerk_client.get(URL)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert set(rows) == {scored, blank}, "a draft never reaches the office"
    assert draft not in rows
    for text in (
        scored.student.username,
        scored.name,
        "计算机学院",
        "东京大学交换项目",
        "6.5",
        "待补录",
    ):
        assert text in page.text
    assert "草稿同学" not in page.text


def test_filters_and_search(clerk_client, make_clerk):
    tokyo = ProgramFactory(title="东京大学交换项目")
    seoul = ProgramFactory(title="首尔大学交换项目")
    [a] = submitted(1, tokyo, school="外国语学院", degree_level="master", name="甲同学")
    [b] = submitted(1, seoul, school="计算机学院", degree_level="undergraduate")
    b.status = Status.APPROVED
    b.save()

    def rows(**params):
        return set(clerk_client.get(URL, params).context["cl"].result_list)

    assert rows(program=tokyo.pk) == {a}
    assert rows(status="approved") == {b}
    assert rows(admission_result="pending") == {a, b}
    assert rows(school="外国语学院") == {a}
    assert rows(degree_level="master") == {a}
    assert rows(q=a.student.username) == {a}
    assert rows(q="首尔") == {b}
    assert rows(q=a.name) == {a}


def test_the_program_filter_offers_only_the_clerks_track(clerk_client):
    ProgramFactory(title="国际项目甲", region=Region.INTERNATIONAL)
    ProgramFactory(title="港澳台项目乙", region=Region.HMT)
    page = clerk_client.get(URL)
    assert "国际项目甲" in page.text
    assert "港澳台项目乙" not in page.text


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow_with_rows(clerk_client, rows, django_assert_num_queries):
    submitted(rows)
    # session, user, the clerk's permissions (user, groups), the clerk's office groups,
    # the program filter, the paginator's count (bounded), the page's versions, the page
    # of rows (student and program joined), the school filter.
    with django_assert_num_queries(10):
        page = clerk_client.get(URL)
    assert len(page.context["cl"].result_list) == rows
    # Seen again unchanged: the user, the count and the page's versions; the rows' HTML,
    # the filters and the permissions are kept (cache, session).
    with django_assert_num_queries(3):
        page = clerk_client.get(URL)
    assert len(page.context["cl"].result_list) == rows
    assert page.text.count('name="_selected_action"') == rows


def test_a_cached_page_of_rows_is_not_read_again(clerk_client, make_clerk):
    submitted(3)
    clerk_client.get(URL)
    # Another clerk of the office: his own content key, the rows' HTML shared.
    clerk_client.force_login(make_clerk(username="another-clerk"))
    with CaptureQueriesContext(connection) as queries:
        page = clerk_client.get(URL)
    row_reads = [q["sql"] for q in queries if '"applications_application"."name"' in q["sql"]]
    assert row_reads == [], "the rows' HTML came from the cache, their columns are not read"
    assert 'data-actions-icnt="3"' in page.text, "the action bar still counts the rows"


def test_the_list_never_counts_the_whole_table(clerk_client):
    submitted(3)
    with CaptureQueriesContext(connection) as queries:
        page = clerk_client.get(URL, {"status": "submitted"})
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts  # the filtered result only, no "of N total"
    assert page.context["cl"].full_result_count is None


def test_the_paginator_counts_a_small_result_exactly_in_one_query():
    submitted(3)
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Application.objects.all(), 50).count
    assert count == 3
    assert len(queries) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner estimate is PostgreSQL's"
)
def test_a_big_result_takes_the_planners_estimate_after_a_bounded_count(monkeypatch):
    submitted(3)
    monkeypatch.setattr(EstimatedCountPaginator, "counted_first", 2)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Application.objects.all(), 50).count
    assert count >= 2
    [counted] = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert "LIMIT 2" in counted  # never the whole result
    assert any(q["sql"].startswith("EXPLAIN") for q in queries)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner estimate is PostgreSQL's"
)
def test_a_middling_result_is_counted_exactly(monkeypatch):
    submitted(3)
    monkeypatch.setattr(EstimatedCountPaginator, "counted_first", 2)
    assert EstimatedCountPaginator(Application.objects.all(), 50).count == 3


def test_a_superuser_corrects_personal_data_but_never_the_status(client, superuser):
    [application] = submitted(1, name="错别字")
    client.force_login(superuser)
    url = reverse("admin:applications_application_change", args=[application.pk])
    page = client.get(url)
    assert 'name="name"' in page.text and 'name="status"' not in page.text

    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data |= {"name": "正确名", "status": "approved", "has_passport": "false"}
    data |= {f"events-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    application.refresh_from_db()
    assert (application.name, application.status) == ("正确名", Status.SUBMITTED)


def _program_filter(page):
    html = page.text[page.text.index('data-filter-title="项目"') :]
    return html[: html.index("</details>")]


def test_the_program_filter_offers_the_latest_programs_not_thousands(clerk_client):
    ProgramFactory.create_batch(30)
    latest = ProgramFactory(title="最新的项目", opens_at=timezone.now() + timedelta(days=3))
    html = _program_filter(clerk_client.get(URL))
    assert html.count("<li") == 1 + 10  # 全部 and the ten latest
    first = html.index('<a href="?program=')
    assert html[first:].startswith(f'<a href="?program={latest.pk}">最新的项目</a>')


def window(days):
    """An application window opening `days` from now (negative: in the past), 60 days long."""
    opens = timezone.now() + timedelta(days=days)
    return {"opens_at": opens, "closes_at": opens + timedelta(days=60)}


def _offered(html):
    return [int(pk) for pk in re.findall(r'<a href="\?program=(\d+)(?:&amp;[^"]*)?">', html)]


def test_the_program_filter_leads_with_programs_that_have_applications(clerk_client, make_draft):
    upcoming = ProgramFactory(title="尚未开放的项目", **window(+30))
    ProgramFactory.create_batch(12, **window(+10))
    older = ProgramFactory(title="去年的项目", **window(-400))
    recent = ProgramFactory(title="本学期的项目", **window(-20))
    drafts_only = ProgramFactory(title="只有草稿的项目", **window(-5))
    submitted(1, program=older)
    submitted(2, program=recent)
    make_draft(program=drafts_only)  # a draft never reaches the office

    offered = _offered(_program_filter(clerk_client.get(URL)))

    assert offered[:2] == [recent.pk, older.pk], "with applications, latest window first"
    assert offered[2] == upcoming.pk, "then the others, latest window first"
    assert drafts_only.pk not in offered[:2]
    assert len(offered) == 10


def test_a_program_search_also_leads_with_programs_that_have_applications(clerk_client):
    empty = ProgramFactory(title="维也纳大学交换（新）", **window(+30))
    used = ProgramFactory(title="维也纳大学交换（旧）", **window(-300))
    submitted(1, program=used)
    offered = _offered(_program_filter(clerk_client.get(URL, {"program_q": "维也纳"})))
    assert offered == [used.pk, empty.pk]


def test_a_program_is_found_by_its_title_and_the_other_filters_are_kept(clerk_client):
    chosen = ProgramFactory(title="首尔大学交换项目", opens_at=timezone.now() - timedelta(days=900))
    ProgramFactory.create_batch(12)
    html = _program_filter(clerk_client.get(URL, {"status": "submitted", "q": "张"}))
    assert "首尔大学交换项目" not in html  # an old program: not among the latest
    assert '<input type="hidden" name="status" value="submitted">' in html
    assert '<input type="hidden" name="q" value="张">' in html

    page = clerk_client.get(URL, {"program_q": "首尔", "status": "submitted"})
    html = _program_filter(page)
    assert "首尔大学交换项目" in html and html.count("<li") == 2
    link = f"?program={chosen.pk}&amp;program_q=%E9%A6%96%E5%B0%94&amp;status=submitted"
    assert link in html

    page = clerk_client.get(URL, {"program": chosen.pk, "status": "submitted"})
    html = _program_filter(page)
    assert '<li class="selected">' in html and "首尔大学交换项目" in html
    assert page.context["cl"].result_count == 0  # filtered: no application yet


def test_a_search_that_finds_nothing_says_so(clerk_client):
    html = _program_filter(clerk_client.get(URL, {"program_q": "不存在的项目"}))
    assert "没有找到。" in html


def test_a_new_program_is_in_the_filter_at_once(clerk_client):
    ProgramFactory(title="旧项目")
    assert "旧项目" in clerk_client.get(URL).text
    ProgramFactory(title="新项目")
    assert "新项目" in clerk_client.get(URL).text


def test_the_school_filter_lists_each_school_once(clerk_client):
    submitted(3, school="计算机学院")
    submitted(2, school="法学院")
    page = clerk_client.get(URL)
    schools = page.text[page.text.index('data-filter-title="学院"') :]
    schools = schools[: schools.index("</details>")]
    assert schools.count("计算机学院") == 1 and schools.count("法学院") == 1


def test_cached_rows_show_a_review_or_a_program_edit_at_once(clerk_client, clerk):
    from apps.applications import services

    program = ProgramFactory(title="原项目名")
    [application] = submitted(1, program=program)

    def rows():
        return clerk_client.get(URL).text.split('id="result_list"')[1].split("</table>")[0]

    assert "原项目名" in rows() and "待审核" in rows()
    services.approve_application(application=application, actor=clerk)
    assert "审核通过" in rows() and "待审核" not in rows()
    program.title = "新项目名"
    program.save()
    assert "新项目名" in rows() and "原项目名" not in rows()


def test_cached_rows_keep_each_query_string_in_their_links(clerk_client):
    submitted(2)
    plain = clerk_client.get(URL).text
    filtered = clerk_client.get(URL, {"status": "submitted"}).text
    assert "_changelist_filters=status%3Dsubmitted" in filtered
    assert "_changelist_filters" not in plain.split('id="result_list"')[1]


def test_a_program_search_with_control_characters_is_answered_not_an_error(clerk_client):
    ProgramFactory(title="首尔大学交换项目")
    page = clerk_client.get(URL, {"program_q": "首尔\x00\x1b"})
    assert page.status_code == 200
    assert "首尔大学交换项目" in _program_filter(page)


def test_the_cached_filters_are_each_track_and_role_their_own(client, make_clerk):
    ProgramFactory(title="国际项目甲", region=Region.INTERNATIONAL)
    ProgramFactory(title="港澳台项目乙", region=Region.HMT)
    client.force_login(make_clerk(Region.INTERNATIONAL, username="intl"))
    intl = _program_filter(client.get(URL))
    client.force_login(make_clerk(Region.HMT, username="hmt"))
    hmt = _program_filter(client.get(URL))
    assert "国际项目甲" in intl and "港澳台项目乙" not in intl
    assert "港澳台项目乙" in hmt and "国际项目甲" not in hmt

    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get(URL)
    statuses = page.text[page.text.index('data-filter-title="审核状态"') :]
    assert "草稿" in statuses[: statuses.index("</details>")]  # only a superuser filters drafts


def _csrf_token(page):
    """The token of the list's own form (the one its actions post)."""
    form = page.text[page.text.index('id="changelist-form"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_a_cached_list_carries_each_browsers_own_csrf_token(clerk):
    submitted(2)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(clerk)
    second.force_login(clerk)
    first_token = _csrf_token(first.get(URL))
    page = second.get(URL)  # the same page, from the cache
    assert admin_list_cache.CSRF_PLACEHOLDER not in page.text
    second_token = _csrf_token(page)

    action = {"action": "set_admitted", "index": 0}
    refused = second.post(URL, {**action, "csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403, "another browser's token is refused"
    accepted = second.post(URL, {**action, "csrfmiddlewaretoken": second_token})
    assert accepted.status_code == 302, "its own token, from the cached page, is accepted"


def test_an_unchanged_list_is_served_from_the_cached_content(clerk_client, monkeypatch):
    submitted(2)
    first = clerk_client.get(URL)
    rendered = []
    original = admin_list_cache.CachedChangelistContent.render

    def spy(node, context):
        html = original(node, context)
        rendered.append(html)
        return html

    monkeypatch.setattr(admin_list_cache.CachedChangelistContent, "render", spy)
    # The admin's own tags (search bar, action bar, pagination) are not rendered again.
    admin_tags = []
    monkeypatch.setattr(
        InclusionAdminNode, "render", lambda node, context: admin_tags.append(node) or ""
    )
    second = clerk_client.get(URL)
    assert rendered and not admin_tags, "the content came from the cache, not rendered"

    def without_tokens(page):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.text)

    assert without_tokens(first) == without_tokens(second)


def test_a_clerk_added_to_another_office_sees_its_track_at_once(clerk_client, clerk):
    from django.contrib.auth.models import Group

    from apps.programs.models import OFFICE_GROUPS

    ProgramFactory(title="港澳台项目乙", region=Region.HMT)
    assert "港澳台项目乙" not in _program_filter(clerk_client.get(URL))
    clerk.groups.add(Group.objects.get(name=OFFICE_GROUPS[Region.HMT]))
    assert "港澳台项目乙" in _program_filter(clerk_client.get(URL))


def test_a_new_submission_is_in_the_cached_list_at_once(clerk_client):
    program = ProgramFactory()
    submitted(1, program, name="先到的同学")
    assert "先到的同学" in clerk_client.get(URL).text
    submitted(1, program, name="后到的同学")
    page = clerk_client.get(URL).text
    assert "先到的同学" in page and "后到的同学" in page
