import pytest
from django.urls import reverse

from apps.programs.models import Region
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def list_url(region="international", **params):
    from urllib.parse import urlencode

    url = reverse("programs:list", args=[region])
    return f"{url}?{urlencode(params)}" if params else url


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_home_shows_both_track_entries(student_client):
    response = student_client.get(reverse("programs:home"))
    assert response.status_code == 200
    for words in [
        "外事管理系统",
        "港澳台管理系统",
        "校际交流项目（国际）",
        "校际交流项目（港澳台）",
    ]:
        assert words in response.text
    assert list_url("international") in response.text
    assert list_url("hmt") in response.text


def test_list_shows_only_published_programs_of_its_track(student_client):
    ProgramFactory(title="东京大学交换", region=Region.INTERNATIONAL)
    ProgramFactory(title="香港大学交流", region=Region.HMT)
    ProgramFactory(title="未发布项目", region=Region.INTERNATIONAL, is_published=False)

    response = student_client.get(list_url("international"))

    assert response.status_code == 200
    assert "东京大学交换" in response.text
    assert "香港大学交流" not in response.text
    assert "未发布项目" not in response.text


def test_unknown_track_is_404(student_client):
    assert student_client.get("/programs/europe/").status_code == 404


@pytest.mark.parametrize(
    "query, found",
    [("东京", "东京大学交换"), ("早稻田", "早稻田大学交换"), ("新加坡", "新加坡国立大学交换")],
)
def test_search_matches_title_partner_or_country(student_client, query, found):
    ProgramFactory(title="东京大学交换", partner="东京大学", country="日本")
    ProgramFactory(title="早稻田大学交换", partner="早稻田大学", country="日本")
    ProgramFactory(title="新加坡国立大学交换", partner="新加坡国立大学", country="新加坡")

    response = student_client.get(list_url(q=query))

    titles = [p.title for p in response.context["page"].object_list]
    assert titles == [found]


def test_state_filter_and_labels(student_client):
    ProgramFactory(title="开放项目")
    ProgramFactory(title="未开始项目", upcoming=True)
    ProgramFactory(title="已截止项目", closed=True)

    everything = student_client.get(list_url())
    assert [p.title for p in everything.context["page"].object_list] == [
        "开放项目",
        "未开始项目",
        "已截止项目",
    ]
    for label in ["报名中", "未开始", "停止报名"]:
        assert label in everything.text

    for state, title in [
        ("open", "开放项目"),
        ("upcoming", "未开始项目"),
        ("closed", "已截止项目"),
    ]:
        response = student_client.get(list_url(state=state))
        assert [p.title for p in response.context["page"].object_list] == [title]


def test_invalid_state_filter_is_explained_not_a_crash(student_client):
    ProgramFactory(title="开放项目")
    response = student_client.get(list_url(state="bogus"))
    assert response.status_code == 200
    assert "bogus" in response.text  # Django's "选择一个有效的选项" names the value
    assert "报名状态" in response.text


def test_empty_search_says_nothing_matched(student_client):
    ProgramFactory(title="东京大学交换")
    response = student_client.get(list_url(q="不存在的学校"))
    assert "没有符合条件的项目" in response.text


def test_list_is_paginated_and_keeps_the_search(student_client, settings):
    settings.PROGRAMS_PER_PAGE = 5
    ProgramFactory.create_batch(12, partner="东京大学")

    first = student_client.get(list_url(q="东京"))
    assert len(first.context["page"].object_list) == 5
    assert "page=2" in first.text and "q=%E4%B8%9C%E4%BA%AC" in first.text

    last = student_client.get(list_url(q="东京", page=3))
    assert len(last.context["page"].object_list) == 2
    # A page number past the end shows the last page instead of an error.
    assert student_client.get(list_url(page=99)).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow_with_rows(
    student_client, settings, rows, django_assert_num_queries
):
    settings.PROGRAMS_PER_PAGE = 50
    ProgramFactory.create_batch(rows)
    # Not cached yet: user with profile (the session is in the cache), count, page, the
    # next window edge (how long the page may be cached), the student's applications
    # (已报名 / 草稿 beside the titles).
    with django_assert_num_queries(5):
        response = student_client.get(list_url())
    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_program_page_query_count_does_not_grow_with_applications(
    student_client, student, rows, django_assert_num_queries
):
    from tests.factories import StudentProfileFactory

    program = ProgramFactory()
    others = StudentProfileFactory.create_batch(rows)
    for profile in others:
        program.applications.create(student=profile.user)
    program.applications.create(student=student)
    # the program's row and the student's applications are now cached
    student_client.get(program.get_absolute_url())
    # nothing: the user with its profile (header) is kept too
    with django_assert_num_queries(0):
        response = student_client.get(program.get_absolute_url())
    mine = program.applications.get(student=student)
    assert reverse("applications:edit", args=[mine.pk]) in response.text


def test_home_counts_the_open_programs_of_each_track(student_client, django_assert_max_num_queries):
    ProgramFactory.create_batch(3, region=Region.INTERNATIONAL)
    ProgramFactory(region=Region.INTERNATIONAL, closed=True)
    ProgramFactory(region=Region.HMT, is_published=False)

    # session, user, open counts, the student's unread notices
    with django_assert_max_num_queries(5):
        response = student_client.get(reverse("programs:home"))

    tracks = {t["region"]: t["open_count"] for t in response.context["tracks"]}
    assert tracks == {Region.INTERNATIONAL: 3, Region.HMT: 0}
    assert "3 个项目正在报名" in response.text
    assert "目前没有正在报名的项目" in response.text


def test_unknown_page_is_a_chinese_404(student_client):
    response = student_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.text
