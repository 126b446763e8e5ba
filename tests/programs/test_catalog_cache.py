"""The catalog's cached pages: always what the database and the clock say, never a student's
own data (the list is the same for everyone; the header around it is not cached)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.programs import catalog_cache
from apps.programs.models import Program
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

LIST = reverse("programs:list", args=["international"])


def test_the_second_view_of_a_list_is_served_from_the_cache(
    student_client, django_assert_num_queries
):
    ProgramFactory.create_batch(3)
    student_client.get(LIST)
    # nothing: no count, no page of programs, the user with the header's profile kept
    with django_assert_num_queries(0):
        response = student_client.get(LIST)
    assert response.text.count("/programs/international/") >= 3


def test_an_edited_program_shows_at_once(student_client):
    program = ProgramFactory(title="东京大学交换")
    assert "东京大学交换" in student_client.get(LIST).text
    program.title = "京都大学交换"
    program.save()
    page = student_client.get(LIST).text
    assert "京都大学交换" in page and "东京大学交换" not in page


def test_a_new_unpublished_or_deleted_program_shows_at_once(student_client):
    first = ProgramFactory(title="第一个项目")
    student_client.get(LIST)
    ProgramFactory(title="第二个项目")
    assert "第二个项目" in student_client.get(LIST).text
    first.is_published = False
    first.save()
    assert "第一个项目" not in student_client.get(LIST).text
    Program.objects.filter(title="第二个项目").delete()
    assert "暂无交流项目" in student_client.get(LIST).text


def test_a_window_that_opens_or_closes_changes_the_cached_page_on_time(student_client):
    now = timezone.now()
    ProgramFactory(
        title="马上开始报名", opens_at=now + timedelta(minutes=5), closes_at=now + timedelta(days=9)
    )
    with time_machine.travel(now, tick=False):
        assert "window-upcoming" in student_client.get(LIST).text
    with time_machine.travel(now + timedelta(minutes=4), tick=False):
        assert "window-upcoming" in student_client.get(LIST).text
    with time_machine.travel(now + timedelta(minutes=5, seconds=1), tick=False):
        page = student_client.get(LIST).text
    assert "window-open" in page and "window-upcoming" not in page


def test_the_window_edge_bounds_how_long_a_page_is_kept():
    now = timezone.now()
    ProgramFactory(opens_at=now - timedelta(days=1), closes_at=now + timedelta(seconds=90))
    assert 0 < catalog_cache.seconds_valid(now) <= 90
    assert catalog_cache.seconds_valid(now + timedelta(seconds=91)) <= catalog_cache.MAX_SECONDS


def test_a_search_or_a_page_is_cached_apart(student_client, settings):
    settings.PROGRAMS_PER_PAGE = 2
    ProgramFactory(title="东京大学交换")
    ProgramFactory.create_batch(3, title="其他项目")
    assert "东京大学交换" in student_client.get(LIST, {"q": "东京"}).text
    assert "东京大学交换" not in student_client.get(LIST, {"q": "首尔"}).text
    assert "page=2" in student_client.get(LIST).text


def test_the_language_is_part_of_the_key(student_client):
    ProgramFactory()
    assert "报名中" in student_client.get(LIST).text
    student_client.cookies["django_language"] = "en"
    assert "Open" in student_client.get(LIST).text


def test_students_share_the_list_but_never_the_header():
    ProgramFactory(title="共同项目")
    pages = []
    for name in ["甲同学", "乙同学"]:
        client = Client()
        client.force_login(StudentProfileFactory(name=name).user)
        pages.append(client.get(LIST).text)
    assert "共同项目" in pages[0] and "共同项目" in pages[1]
    assert "甲同学" in pages[0] and "甲同学" not in pages[1]
    assert "乙同学" in pages[1] and "乙同学" not in pages[0]


def test_a_program_page_shows_an_edit_at_once(student_client):
    program = ProgramFactory(description="第一版介绍")
    url = program.get_absolute_url()
    assert "第一版介绍" in student_client.get(url).text
    program.description = "第二版介绍"
    program.save()
    page = student_client.get(url).text
    assert "第二版介绍" in page and "第一版介绍" not in page


def test_an_unpublished_or_moved_program_page_is_gone_at_once(student_client):
    program = ProgramFactory()
    url = program.get_absolute_url()
    assert student_client.get(url).status_code == 200
    program.is_published = False
    program.save()
    assert student_client.get(url).status_code == 404

    program.is_published = True
    program.region = "hmt" if program.region == "international" else "international"
    program.save()
    assert student_client.get(url).status_code == 404, "the old track's address"
    assert student_client.get(program.get_absolute_url()).status_code == 200


def test_the_version_is_made_once_kept_and_replaced_by_a_change():
    catalog_cache.cache.clear()
    first = catalog_cache.version()
    assert first and catalog_cache.version() == first
    assert catalog_cache.cache.get(catalog_cache.VERSION_KEY) == first
    catalog_cache.bump_version()
    assert catalog_cache.version() not in (None, first)


def test_the_next_edge_is_the_nearest_future_opening_or_closing_never_a_past_one():
    now = timezone.now()
    ProgramFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    ProgramFactory(opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30))
    assert catalog_cache.next_window_edge(now) == now + timedelta(days=3)


def test_fragments_of_different_names_are_kept_apart():
    assert catalog_cache.cached_fragment("list", ["international"], lambda: "list") == "list"
    assert catalog_cache.cached_fragment("page", ["international"], lambda: "page") == "page"


def test_a_fragment_lives_until_the_next_edge_seen_from_the_moment_given():
    """A page rendered one second before a window opens (as the request saw the clock)
    is kept for that second and no longer."""
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        edge = start + timedelta(hours=1)
        ProgramFactory(opens_at=edge, closes_at=edge + timedelta(days=10))
        renders = []

        def render():
            renders.append(1)
            return f"page {len(renders)}"

        now = edge - timedelta(seconds=1)
        assert catalog_cache.cached_fragment("list", ["q"], render, now=now) == "page 1"
        assert catalog_cache.cached_fragment("list", ["q"], render, now=now) == "page 1"
        traveller.shift(2)
        later = now + timedelta(seconds=2)
        assert catalog_cache.cached_fragment("list", ["q"], render, now=later) == "page 2"


def test_the_next_edge_is_read_once_per_version(django_assert_num_queries):
    now = timezone.now()
    ProgramFactory(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    assert catalog_cache.seconds_valid(now) == catalog_cache.MAX_SECONDS
    with django_assert_num_queries(0):
        assert catalog_cache.seconds_valid(now + timedelta(seconds=1)) == 600


def test_without_any_edge_to_come_a_page_is_kept_the_longest_and_that_is_read_once(
    django_assert_num_queries,
):
    assert catalog_cache.seconds_valid() == catalog_cache.MAX_SECONDS
    with django_assert_num_queries(0):
        assert catalog_cache.seconds_valid() == catalog_cache.MAX_SECONDS


def test_a_program_moved_to_open_sooner_shortens_the_next_pages_life_at_once():
    now = timezone.now()
    program = ProgramFactory(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    assert catalog_cache.seconds_valid(now) == catalog_cache.MAX_SECONDS
    program.opens_at = now + timedelta(seconds=60)
    program.save()
    assert catalog_cache.seconds_valid(now) == 60


def test_at_an_edge_the_next_one_is_looked_up():
    now = timezone.now()
    ProgramFactory(opens_at=now + timedelta(seconds=10), closes_at=now + timedelta(seconds=100))
    assert catalog_cache.seconds_valid(now) == 10
    assert catalog_cache.seconds_valid(now + timedelta(seconds=10)) == 90


def test_an_edge_less_than_a_second_away_means_the_page_is_not_kept():
    now = timezone.now()
    ProgramFactory(opens_at=now + timedelta(milliseconds=500), closes_at=now + timedelta(hours=1))
    assert catalog_cache.seconds_valid(now) == 0


def test_the_version_is_replaced_only_by_a_change_never_by_time():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        catalog_cache.cache.clear()
        first = catalog_cache.version()
        traveller.shift(24 * 3600)
        assert catalog_cache.version() == first
        catalog_cache.bump_version()
        bumped = catalog_cache.version()
        traveller.shift(24 * 3600)
        assert catalog_cache.version() == bumped != first


@pytest.mark.parametrize("away", [timedelta(seconds=1), timedelta(hours=2)], ids=["1s", "2h"])
def test_an_edge_is_read_once_for_as_long_as_a_page_may_be_kept(away, django_assert_num_queries):
    """One indexed query per version and edge: an edge a second away is kept that second,
    a far one for the longest a page is kept."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        ProgramFactory(opens_at=start + away, closes_at=start + away + timedelta(days=1))
        kept = min(int(away.total_seconds()), catalog_cache.MAX_SECONDS)
        assert catalog_cache.seconds_valid(start) == kept
        traveller.shift(kept - 0.5)
        with django_assert_num_queries(0):
            catalog_cache.seconds_valid(start)


def _open_counts(client):
    """Each track's count of programs open for applications, as the home page shows it."""
    page = client.get(reverse("programs:home")).text
    cards = re.findall(r'track-card track-(\w+)">(.*?)</section>', page, re.S)
    counts = {}
    for region, card in cards:
        shown = re.search(r"(\d+) 个项目正在报名", card)
        counts[region] = int(shown.group(1)) if shown else 0
    return counts


def test_the_home_pages_counts_are_kept_with_the_catalog_and_follow_it_at_once(
    student_client, django_assert_num_queries
):
    now = timezone.now()
    ProgramFactory(title="正在报名")
    ProgramFactory(opens_at=now + timedelta(minutes=5), closes_at=now + timedelta(days=9))
    with time_machine.travel(now, tick=False):
        assert _open_counts(student_client)["international"] == 1
        # nothing (the user with the header's profile kept, the student has no notice)
        with django_assert_num_queries(0):
            assert _open_counts(student_client)["international"] == 1
        late = ProgramFactory()
        assert _open_counts(student_client)["international"] == 2
        late.is_published = False
        late.save()
        assert _open_counts(student_client)["international"] == 1
    with time_machine.travel(now + timedelta(minutes=5, seconds=1), tick=False):
        assert _open_counts(student_client)["international"] == 2  # the window opened
