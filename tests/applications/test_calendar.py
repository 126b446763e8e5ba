"""加入日历 and 日历订阅: the program's .ics and the student's personal feed parse back with
icalendar, in the university's zone, with stable UIDs; the feed's secret address is
kept as a hash, regenerated, revoked, and shows nobody else's dates."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from apps.accounts import calendar_feeds
from apps.accounts.models import CalendarFeed
from apps.applications import services
from apps.scores.services import supplement_score
from apps.summaries.services import save_summary, submit_summary
from tests.builders import checked, pdf_upload
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.summaries.test_summary import finished_program

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUE = reverse("accounts:calendar_issue")
REVOKE = reverse("accounts:calendar_revoke")


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar):
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def issue(client):
    """生成订阅链接 on the profile page: the feed's path, from the address shown once."""
    response = client.post(ISSUE)
    assert response.status_code == 200
    url = response.context["calendar_url"]
    assert url in response.content.decode()
    return re.sub(r"^https?://[^/]+", "", url)


def fetch(path):
    """As a calendar app fetches it: no session, no cookie."""
    return Client().get(path)


# --- 加入日历 on a program's page -----------------------------------------------------------


def test_program_ics_has_the_closing_time_and_the_dates_in_the_university_zone(student_client):
    closes = datetime.datetime(2027, 3, 1, 17, 0, tzinfo=SHANGHAI)
    program = ProgramFactory(
        title="东京大学交换",
        closes_at=closes,
        start_date=datetime.date(2027, 9, 1),
        end_date=datetime.date(2028, 1, 31),
    )
    url = reverse("programs:calendar", args=[program.region, program.pk])
    response = student_client.get(url)
    calendar = parse(response)

    assert "attachment" in response["Content-Disposition"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    found = events(calendar)
    deadline = found["报名截止：东京大学交换"]
    assert closes == deadline.DTSTART
    assert deadline["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert "DTSTAMP" in deadline
    assert deadline["UID"] == f"program-{program.pk}-closes@127.0.0.1"
    [alarm] = deadline.walk("VALARM")
    assert alarm["TRIGGER"].dt == -datetime.timedelta(days=1)
    dates = found["交流项目：东京大学交换"]
    assert datetime.date(2027, 9, 1) == dates.DTSTART
    assert datetime.date(2028, 2, 1) == dates.DTEND  # the last day included


def test_program_ics_has_the_opening_time_only_before_it_opens(student_client):
    upcoming = ProgramFactory(title="未开始项目", upcoming=True)
    open_now = ProgramFactory(title="报名中项目")

    def program_events(program):
        url = reverse("programs:calendar", args=[program.region, program.pk])
        return events(parse(student_client.get(url)))

    opening = program_events(upcoming)["报名开始：未开始项目"]
    assert opening.start == upcoming.opens_at.replace(microsecond=0)  # iCalendar: seconds
    assert not any(summary.startswith("报名开始") for summary in program_events(open_now))


def test_the_program_page_links_to_its_ics(student_client):
    program = ProgramFactory()
    response = student_client.get(program.get_absolute_url())
    assert (
        reverse("programs:calendar", args=[program.region, program.pk]) in response.content.decode()
    )
    assert "加入日历" in response.content.decode()


def test_program_ics_is_404_for_an_unpublished_program_or_the_wrong_track(student_client):
    hidden = ProgramFactory(is_published=False)
    shown = ProgramFactory()
    assert (
        student_client.get(
            reverse("programs:calendar", args=["international", hidden.pk])
        ).status_code
        == 404
    )
    assert (
        student_client.get(reverse("programs:calendar", args=["hmt", shown.pk])).status_code == 404
    )


# --- 日历订阅: the personal feed ----------------------------------------------------------


def test_the_feed_lists_deadlines_and_the_times_to_act_but_not_withdrawn_applications(
    student, student_client, make_draft, make_submitted, make_admitted
):
    make_draft(program=ProgramFactory(title="草稿项目"))
    make_submitted(program=ProgramFactory(title="待补录项目"))
    withdrawn = make_submitted(program=ProgramFactory(title="撤回项目"))
    services.withdraw_application(application=withdrawn, user=student)
    admitted = make_admitted(program=finished_program())

    calendar = parse(fetch(issue(student_client)))
    found = events(calendar)

    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert not any("撤回项目" in summary for summary in found)
    draft_deadline = found["报名截止：草稿项目"]
    assert draft_deadline.walk("VALARM")  # still to be submitted: a reminder
    assert "尚未提交" in draft_deadline["DESCRIPTION"]
    assert not found["报名截止：待补录项目"].walk("VALARM")  # submitted: nothing to do
    # 补录分数 has no fixed deadline: an all-day entry on today that says so.
    score = found["补录分数：待补录项目"]
    assert timezone.localdate() == score.DTSTART
    assert "没有固定截止时间" in score["DESCRIPTION"]
    summary = found[f"填写交流总结：{admitted.program.title}"]
    assert admitted.program.start_date == summary.DTSTART
    assert summary["URL"].endswith(reverse("summaries:edit", args=[admitted.pk]))
    assert f"交流项目：{admitted.program.title}" in found
    assert len({str(event["UID"]) for event in calendar.walk("VEVENT")}) == len(found)


def test_supplementing_the_score_and_submitting_the_summary_take_their_entries_away(
    student, student_client, make_submitted, make_admitted
):
    submitted = make_submitted(program=ProgramFactory(title="待补录项目"))
    admitted = make_admitted(program=finished_program())
    path = issue(student_client)
    assert {"补录分数：待补录项目"} <= set(events(parse(fetch(path))))

    for application in (submitted, admitted):
        supplement_score(application=application, user=student, language_test="ielts", score=7)
    save_summary(
        application=admitted,
        user=student,
        changes={"return_date": timezone.localdate() - datetime.timedelta(days=25)},
        new_files=[checked("summary", pdf_upload("总结.pdf"))],
    )
    submit_summary(application=admitted, user=student)

    found = events(parse(fetch(path)))
    assert not any(s.startswith(("补录分数", "填写交流总结")) for s in found)
    assert "报名截止：待补录项目" in found


def test_the_uids_stay_the_same_from_fetch_to_fetch(student_client, make_draft):
    make_draft()
    path = issue(student_client)
    uids = [
        sorted(
            str(c["UID"]) for c in parse(fetch(path)).walk() if c.name in ("VCALENDAR", "VEVENT")
        )
        for _ in range(2)
    ]
    assert uids[0] == uids[1]
    assert len(uids[0]) == 2


def test_the_feed_says_how_often_to_fetch_it_again(student_client):
    calendar = parse(fetch(issue(student_client)))
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=6)
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT6H"


def test_the_feed_is_in_the_students_profile_language(student, student_client, make_draft):
    make_draft(program=ProgramFactory(title="Tokyo exchange"))
    path = issue(student_client)
    student.profile.language = "en"
    student.profile.save(update_fields=["language"])
    response = fetch(path)
    assert response["Content-Language"] == "en"
    assert "Application deadline: Tokyo exchange" in events(parse(response))


def test_the_feed_must_not_be_kept_by_shared_caches_and_sets_no_cookie(student_client):
    response = fetch(issue(student_client))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.parametrize("rows", [1, 20])
def test_the_feeds_query_count_does_not_grow_with_the_applications(
    rows, student, make_draft, django_assert_num_queries
):
    for _ in range(rows):
        make_draft(complete=False)
    token = calendar_feeds.issue(student)
    client = Client()
    # The token's owner (with the profile), then the applications with their programs.
    with django_assert_num_queries(2):
        response = client.get(reverse("applications:calendar_feed", args=[token]))
    assert len(parse(response).walk("VEVENT")) == rows


# --- The token: hashed, regenerated, revoked, nobody else's ----------------------------------


def test_only_a_hash_of_the_token_is_stored(student):
    token = calendar_feeds.issue(student)
    feed = CalendarFeed.objects.get(user=student)
    assert token not in feed.key_hash
    assert len(feed.key_hash) == 64


def test_the_address_is_shown_once(student_client):
    response = student_client.post(ISSUE)
    assert "no-store" in response["Cache-Control"]  # not even in the browser's cache
    page = student_client.get(reverse("accounts:profile")).content.decode()
    assert ".ics" not in page
    assert "订阅链接已启用" in page
    assert "重新生成" in page and "停用订阅链接" in page


def test_regenerating_makes_the_old_address_404(student_client, make_draft):
    make_draft()
    old = issue(student_client)
    new = issue(student_client)
    assert old != new
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_revoking_makes_the_address_404(student_client):
    path = issue(student_client)
    response = student_client.post(REVOKE, follow=True)
    assert "已停用" in response.content.decode()
    assert fetch(path).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert "生成订阅链接" in response.content.decode()


def test_another_students_token_shows_only_that_students_dates(student, client, make_draft):
    make_draft(program=ProgramFactory(title="我的项目"))
    other = StudentProfileFactory().user
    make_draft(program=ProgramFactory(title="别人的项目"), owner=other)
    client.force_login(other)
    found = events(parse(fetch(issue(client))))
    assert list(found) == ["报名截止：别人的项目"]


def test_a_deactivated_account_has_no_feed(student):
    token = calendar_feeds.issue(student)
    student.is_active = False
    student.save(update_fields=["is_active"])
    assert fetch(reverse("applications:calendar_feed", args=[token])).status_code == 404


def test_issue_and_revoke_are_in_the_audit_log_without_the_digest(student_client, student):
    issue(student_client)
    issue(student_client)
    student_client.post(REVOKE)
    entries = LogEntry.objects.filter(content_type__model="calendarfeed").order_by("pk")
    assert [e.action for e in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    assert all(e.actor_id == student.pk for e in entries)
    digests = CalendarFeed.objects.values_list("key_hash", flat=True)
    assert not any(d in str(e.changes) for e in entries for d in digests)
    assert "******" in str(entries[1].changes)


@pytest.mark.parametrize("url", [ISSUE, REVOKE])
def test_issue_and_revoke_are_post_only(student_client, url):
    assert student_client.get(url).status_code == 405


@pytest.mark.parametrize("url", [ISSUE, REVOKE])
def test_issue_and_revoke_need_a_sign_in(client, url):
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a" * 42,
        "a" * 44,
        "a" * 4000,
        "é" * 43,
        "../" * 14 + "a",
        "a" * 42 + "%",
        "a" * 42 + ".",
    ],
)
def test_a_token_of_the_wrong_shape_is_refused_without_a_query(
    token, student, django_assert_num_queries
):
    calendar_feeds.issue(student)
    with django_assert_num_queries(0):
        assert calendar_feeds.owner_of(token) is None
