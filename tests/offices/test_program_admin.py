"""Programs in admin: the clerk's track only, counts in the list's one query, the window
filter, and 复制到下一学期."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.accounts import authz_cache
from apps.applications import services
from apps.programs.models import Program, Region
from apps.programs.services import duplicate_for_next_term, next_term
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:programs_program_changelist")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def test_the_list_counts_submitted_approved_and_admitted_in_one_query(
    clerk_client, make_submitted, clerk, django_assert_num_queries
):
    program = ProgramFactory(title="统计项目")
    for i in range(3):
        application = make_submitted(program=program, owner=StudentProfileFactory().user)
        if i:
            services.approve_application(application=application, actor=clerk)
    application.status, application.admission_result = "approved", "admitted"
    application.save()
    ProgramFactory.create_batch(5)

    # user (the session is in the cache), permissions (user, groups), office groups,
    # counts (filtered and full), the programs with their three counts (one query), the
    # term filter; permissions and office groups are then cached (authz_cache)
    cache.delete(authz_cache.VERSION_KEY)
    with django_assert_num_queries(8):
        clerk_client.get(URL)
    with django_assert_num_queries(5):
        page = clerk_client.get(URL)
    row = next(p for p in page.context["cl"].result_list if p.pk == program.pk)
    assert (row.submitted, row.approved, row.admitted) == (3, 2, 1)


def test_a_clerk_sees_only_the_programs_of_their_track(clerk_client):
    ProgramFactory(title="国际项目", region=Region.INTERNATIONAL)
    ProgramFactory(title="港澳台项目", region=Region.HMT)
    page = clerk_client.get(URL)
    assert "国际项目" in page.text and "港澳台项目" not in page.text


def test_window_state_filter_and_search(clerk_client):
    open_now = ProgramFactory(title="开放项目", partner="东京大学")
    upcoming = ProgramFactory(title="未开项目", upcoming=True, country="韩国")
    closed = ProgramFactory(title="已截止项目", closed=True)

    def rows(**params):
        return set(clerk_client.get(URL, params).context["cl"].result_list)

    assert rows(window="open") == {open_now}
    assert rows(window="upcoming") == {upcoming}
    assert rows(window="closed") == {closed}
    assert rows(q="东京") == {open_now}
    assert rows(q="韩国") == {upcoming}


def _program_form(region, **overrides):
    return {
        "region": region,
        "title": "新项目",
        "partner": "合作大学",
        "country": "日本",
        "start_date": "2027-09-01",
        "end_date": "2028-01-31",
        "opens_at_0": "2027-03-01",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2027-03-31",
        "closes_at_1": "17:00:00",
        "requirements-TOTAL_FORMS": "0",
        "requirements-INITIAL_FORMS": "0",
        **overrides,
    }


def test_a_clerk_creates_programs_of_their_own_track_only(clerk_client):
    add = reverse("admin:programs_program_add")
    form = clerk_client.get(add).context["adminform"].form
    assert [value for value, _ in form.fields["region"].choices] == [Region.INTERNATIONAL]

    refused = clerk_client.post(add, _program_form(Region.HMT))
    assert refused.status_code == 200
    assert not Program.objects.filter(title="新项目").exists()

    assert clerk_client.post(add, _program_form(Region.INTERNATIONAL)).status_code == 302
    assert Program.objects.get(title="新项目").region == Region.INTERNATIONAL


def test_a_clerk_cannot_move_a_program_to_the_other_track(clerk_client):
    program = ProgramFactory(region=Region.INTERNATIONAL)
    url = reverse("admin:programs_program_change", args=[program.pk])
    clerk_client.post(url, _program_form(Region.HMT, title=program.title))
    program.refresh_from_db()
    assert program.region == Region.INTERNATIONAL


@pytest.mark.parametrize(
    "term, expected",
    [
        ("2027年春季学期", ("2027-2028学年秋季学期", 6)),
        ("2026-2027学年秋季学期", ("2027年春季学期", 6)),
        ("2026年暑期", ("2027年暑期", 12)),
        ("", ("", 12)),
    ],
)
def test_next_term(term, expected):
    assert next_term(term) == expected


def test_duplicating_makes_an_unpublished_copy_for_the_next_term_once(clerk_client):
    opens = timezone.make_aware(datetime.datetime(2026, 9, 1, 9, 0))
    program = ProgramFactory(
        title="东京大学交换项目",
        term="2026-2027学年秋季学期",
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=30),
        start_date=datetime.date(2027, 2, 1),
        end_date=datetime.date(2027, 6, 30),
        quota=3,
    )
    data = {"action": "duplicate_for_next_term", "_selected_action": [program.pk]}
    response = clerk_client.post(URL, data)

    copy = Program.objects.exclude(pk=program.pk).get(title="东京大学交换项目")
    assert copy.term == "2027年春季学期"
    assert not copy.is_published
    assert (copy.start_date, copy.end_date) == (
        datetime.date(2027, 8, 1),
        datetime.date(2027, 12, 30),
    )
    assert timezone.localtime(copy.opens_at).date() == datetime.date(2027, 3, 1)
    assert (copy.quota, copy.partner, copy.region) == (3, program.partner, program.region)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已复制 1 个项目" in message and "2027年春季学期" in message

    again = clerk_client.post(URL, data)
    assert Program.objects.filter(title="东京大学交换项目").count() == 2
    assert any("已经存在" in str(m) for m in get_messages(again.wsgi_request))


def test_duplicate_service_returns_the_existing_copy(db):
    program = ProgramFactory(term="2027年春季学期")
    first, created = duplicate_for_next_term(program=program)
    second, created_again = duplicate_for_next_term(program=program)
    assert created and not created_again and first == second


def test_every_date_of_the_copy_moves_by_the_term_and_a_month_end_stays_in_its_month(db):
    opens = timezone.make_aware(datetime.datetime(2026, 8, 31, 9, 0))
    program = ProgramFactory(
        term="2026-2027学年秋季学期", opens_at=opens, closes_at=opens + datetime.timedelta(days=30)
    )
    copy, created = duplicate_for_next_term(program=program)
    assert created
    # 31 August + 6 months is the last day of February; 30 September + 6 months, 30 March.
    assert timezone.localtime(copy.opens_at) == timezone.make_aware(
        datetime.datetime(2027, 2, 28, 9, 0)
    )
    assert timezone.localtime(copy.closes_at) == timezone.make_aware(
        datetime.datetime(2027, 3, 30, 9, 0)
    )


@pytest.mark.parametrize(
    "other",
    [
        {"region": Region.HMT},  # the other track's program of that title and term
        {"title": "另一个项目"},  # another program of the track in the next term
        {"term": "2026年春季学期"},  # the same program in another term
    ],
    ids=["other-track", "other-title", "other-term"],
)
def test_the_existing_copy_is_only_one_of_the_same_track_title_and_next_term(db, other):
    program = ProgramFactory(
        region=Region.INTERNATIONAL, title="东京大学交换项目", term="2027年春季学期"
    )
    near_miss = ProgramFactory(
        **{
            "region": Region.INTERNATIONAL,
            "title": "东京大学交换项目",
            "term": "2027-2028学年秋季学期",
            # Listed first (the newest window), so a lookup that ignores a part finds it.
            "opens_at": program.opens_at + datetime.timedelta(days=200),
            "closes_at": program.closes_at + datetime.timedelta(days=200),
            **other,
        }
    )
    copy, created = duplicate_for_next_term(program=program)
    assert created and copy.pk not in (program.pk, near_miss.pk)
    assert (copy.region, copy.title, copy.term) == (
        Region.INTERNATIONAL,
        "东京大学交换项目",
        "2027-2028学年秋季学期",
    )
