"""加入日历 and 日历订阅: a program's dates as an .ics file, and a student's personal feed
of the times they must act (报名截止, 补录分数, 填写交流总结).

The feed lives here, on the applications' floor, although it names 补录分数 (scores) and
填写交流总结 (summaries): when the student may act on either is the application's own
knowledge (`can_supplement_score`, `summary_opens_on`), and whether the summary is already
submitted is read through the reverse relation by name, as 下载我的数据 does; their pages
are named by URL name. So neither app is imported (ARCHITECTURE.md).

Times are in the university's zone (settings.TIME_ZONE) with its VTIMEZONE; every event's
UID is stable (the program's or the application's id), so a calendar that fetches again
updates its events instead of adding copies.
"""

import datetime
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from icalendar import Alarm, Calendar, Event, vDuration

from apps.accounts import calendar_feeds
from apps.accounts.models import own_profile
from apps.programs.models import Program

from .models import AdmissionResult, Application, Status

# A closing deadline the student still has to meet rings a day before.
REMINDER = datetime.timedelta(days=1)
# How often a subscribed calendar should fetch the feed again (clients may ignore it).
REFRESH = datetime.timedelta(hours=6)
MEDIA_TYPE = "text/calendar; charset=utf-8"


@cache
def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def _uid(name):
    return f"{name}@{urlsplit(settings.PORTAL_BASE_URL).hostname or 'exchange-portal'}"


def _link(path):
    return settings.PORTAL_BASE_URL + path


def _calendar(uid, name):
    calendar = Calendar.new(
        uid=_uid(uid),
        prodid="-//exchange-portal//calendar//ZH",
        method="PUBLISH",
        calscale="GREGORIAN",
        name=name,
        refresh_interval=REFRESH,
    )
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _finish(calendar):
    """The VTIMEZONE of every zone the events use, then the bytes."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(uid, summary, start, *, end=None, description="", url="", stamp):
    event = Event.new(
        uid=_uid(uid),
        summary=summary,
        start=start,
        end=end,
        stamp=stamp,
        description=description or None,
        url=url or None,
    )
    if not isinstance(start, datetime.datetime):
        event.add("transp", "TRANSPARENT")  # a whole day marked, not a busy day
    return event


def _closing(uid, program, *, stamp, remind, note=""):
    """报名截止: an instant at the window's closing time (no DTEND: RFC 5545 makes it end
    where it starts), ringing a day before when the student still has to act."""
    closes = timezone.localtime(program.closes_at, _zone())
    description = _("报名截止时间：%(time)s。") % {"time": f"{closes:%Y-%m-%d %H:%M}"}
    event = _event(
        uid,
        _("报名截止：%(title)s") % {"title": program.title},
        closes,
        description="\n".join(filter(None, [description, note])),
        url=_link(program.get_absolute_url()),
        stamp=stamp,
    )
    if remind and program.closes_at > stamp:
        alarm = Alarm.new(description=event["SUMMARY"])
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMINDER)
        event.add_component(alarm)
    return event


def _program_dates(uid, program, *, stamp):
    """项目时间: whole days, the end day included (DTEND is the day after)."""
    return _event(
        uid,
        _("交流项目：%(title)s") % {"title": program.title},
        program.start_date,
        end=program.end_date + datetime.timedelta(days=1),
        description=f"{program.partner} · {program.country}",
        url=_link(program.get_absolute_url()),
        stamp=stamp,
    )


def program_calendar(program, now=None):
    """加入日历 on a program's page: its closing time and its dates, in the active language;
    its opening time too while it has not opened yet."""
    stamp = now or timezone.now()
    calendar = _calendar(f"program-{program.pk}", program.title)
    if program.opens_at > stamp:
        calendar.add_component(
            _event(
                f"program-{program.pk}-opens",
                _("报名开始：%(title)s") % {"title": program.title},
                timezone.localtime(program.opens_at, _zone()),
                url=_link(program.get_absolute_url()),
                stamp=stamp,
            )
        )
    calendar.add_component(
        _closing(f"program-{program.pk}-closes", program, stamp=stamp, remind=True)
    )
    calendar.add_component(_program_dates(f"program-{program.pk}-dates", program, stamp=stamp))
    return _finish(calendar)


def _feed_events(application, stamp, today):
    program = application.program
    key = f"application-{application.pk}"
    note = _("你的申请尚未提交，请在截止前提交。") if application.is_editable else ""
    yield _closing(f"{key}-closes", program, stamp=stamp, remind=application.is_editable, note=note)
    if application.admission_result == AdmissionResult.ADMITTED:
        yield _program_dates(f"{key}-dates", program, stamp=stamp)
    if application.can_supplement_score:
        # No fixed deadline: 补录分数 stays possible while the application is 待审核 or
        # 审核通过. The event says so and sits on today, moving with each fetch, until the
        # score is in or the application can no longer take one (then it disappears).
        yield _event(
            f"{key}-score",
            _("补录分数：%(title)s") % {"title": program.title},
            today,
            end=today + datetime.timedelta(days=1),
            description=_(
                "提交时外语成绩未填写。申请待审核或审核通过期间可以补录一次，"
                "没有固定截止时间，请尽早补录；补录后这条日程会消失。"
            ),
            url=_link(reverse("scores:supplement", args=[application.pk])),
            stamp=stamp,
        )
    opens_on = application.summary_opens_on
    summary = getattr(application, "return_summary", None)
    if opens_on is not None and not (summary and summary.is_submitted):
        yield _event(
            f"{key}-summary",
            _("填写交流总结：%(title)s") % {"title": program.title},
            opens_on,
            end=opens_on + datetime.timedelta(days=1),
            description=_("从项目开始日期起可以填写交流总结，没有截止时间；提交后这条日程会消失。"),
            url=_link(reverse("summaries:edit", args=[application.pk])),
            stamp=stamp,
        )


def student_calendar(student, now=None):
    """日历订阅: every program the student has a draft or an application for (not the
    withdrawn ones) and what they must do for it, in one query."""
    stamp = now or timezone.now()
    today = timezone.localtime(stamp, _zone()).date()
    applications = (
        Application.objects.for_student(student)
        .exclude(status=Status.WITHDRAWN)
        .select_related("program", "return_summary")
        .order_by("program__closes_at", "pk")
    )
    calendar = _calendar(f"feed-{student.pk}", _("交流项目日历"))
    for application in applications:
        for event in _feed_events(application, stamp, today):
            calendar.add_component(event)
    return _finish(calendar)


def _ics_response(body, filename=None):
    response = HttpResponse(body, content_type=MEDIA_TYPE)
    if filename:
        response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_safe
def program_ics(request, region, pk):
    program = get_object_or_404(Program.objects.published(), region=region, pk=pk)
    response = _ics_response(program_calendar(program), f"program-{program.pk}.ics")
    response["Cache-Control"] = "private"
    return response


@never_cache  # private, no-store: a shared cache must never keep anyone's feed
@require_safe
def feed(request, token):
    """The personal feed: the token is the only credential (calendar apps have no
    session); in the student's profile language."""
    student = calendar_feeds.owner_of(token)
    if student is None:
        raise Http404
    profile = own_profile(student)
    language = profile.language if profile else settings.LANGUAGE_CODE
    with translation.override(language):
        body = student_calendar(student)
    response = _ics_response(body)
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex"
    return response
