import io
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from apps.applications.models import Application, ApplicationEvent
from apps.programs.models import Program, Region, WindowState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("office_groups")]


def test_seed_demo_is_idempotent_and_covers_every_window_state(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)

    for region in Region:
        programs = list(Program.objects.in_region(region))
        assert len(programs) >= 12
        states = {program.window_state() for program in programs}
        assert states == set(WindowState)
    assert get_user_model().objects.filter(username="admin", is_superuser=True).count() == 1
    student = get_user_model().objects.get(username="2023301000001")
    statuses = sorted(student.applications.values_list("status", flat=True))
    assert statuses == ["draft", "submitted"], "demo applications are made once"
    submitted = student.applications.get(status="submitted")
    assert submitted.attachments.count() == 3
    assert submitted.events.filter(to_value="submitted", actor=student).exists()
    hmt = get_user_model().objects.get(username="2024202000002").applications.get()
    assert (hmt.status, hmt.program.region) == ("submitted", Region.HMT), "for hmt_clerk"
    assert hmt.can_supplement_score, "shows 补录分数"
    back = get_user_model().objects.get(username="2022301000003").applications.get()
    assert back.can_write_summary, "shows 填写交流总结"
    assert back.program.start_date < back.program.end_date < timezone.localdate()


def test_seed_demo_accounts_can_sign_in(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-secret-1")
    printed = capsys.readouterr().out
    for username in ["2023301000001", "intl_clerk", "hmt_clerk", "intl_head", "admin"]:
        assert username in printed
        # As the login page does: with the request (django-axes checks it for lockouts).
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password="demo-secret-1") is not None
    student = get_user_model().objects.get(username="2023301000001")
    assert student.profile.name == "张晓明" and not student.is_staff
    head = get_user_model().objects.get(username="intl_head")
    assert head.has_perm("applications.revert_review")
    assert (
        not get_user_model()
        .objects.get(username="intl_clerk")
        .has_perm("applications.revert_review")
    )


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Program.objects.exists()


def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())


# (start month, end month) of each kind of term, by the word the term's name holds.
CALENDAR = {"秋季学期": (9, 1), "春季学期": (2, 6), "暑期": (7, 8), "学年": (9, 6)}


def test_seed_demo_programs_follow_the_university_calendar(settings):
    seeded(settings)
    for program in Program.objects.all():
        word = next(word for word in CALENDAR if word in program.term)
        first, last = CALENDAR[word]
        assert (program.start_date.month, program.end_date.month) == (first, last), program
        assert str(program.start_date.year) in program.term, program
        for season in ("春季", "秋季", "暑期"):
            if season in program.title:
                assert season in program.term, f"{program.title} is not dated {season}"
        assert program.closes_at.date() < program.start_date, "applied for before it starts"
    for region in Region:
        terms = " ".join(Program.objects.in_region(region).values_list("term", flat=True))
        assert "秋季学期" in terms and "春季学期" in terms and "暑期" in terms, region


def test_seed_demo_history_happened_in_a_believable_order(settings):
    seeded(settings)
    now, today = timezone.now(), timezone.localdate()
    days = {timezone.localdate(e.created_at) for e in ApplicationEvent.objects.all()}
    assert today not in days, "every demo event dated today"
    for application in Application.objects.all():
        events = list(application.events.order_by("created_at", "pk"))
        assert all(event.created_at < now for event in events)
        assert application.created_at == events[0].created_at
        if application.submitted_at:
            [submitted] = [e for e in events if e.to_value == "submitted"]
            assert application.submitted_at == submitted.created_at
            assert application.submitted_at < now - timedelta(days=1)

    back = get_user_model().objects.get(username="2022301000003").applications.get()
    program = back.program
    when = {event.to_value: event.created_at for event in back.events.all()}
    assert list(when) == ["draft", "submitted", "approved", "admitted"]
    assert program.opens_at < when["draft"] < when["submitted"] < program.closes_at
    assert when["submitted"] + timedelta(days=2) < when["approved"], "reviewed days later"
    assert when["approved"] + timedelta(days=14) < when["admitted"], "the school answers later"
    assert timezone.localdate(when["admitted"]) < program.start_date
    assert program.end_date < today, "back home: the exchange has ended"
    assert (program.start_date.month, program.end_date.month) == (9, 1)
    assert str(program.start_date.year) in program.title


def test_seed_demo_gives_every_program_requirements_its_students_can_be_judged_by(settings):
    from apps.accounts.models import StudentProfile
    from apps.applications.models import Status

    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # again: the same requirements, not twice

    tokyo = Program.objects.get(title="东京大学本科生交换项目")
    assert tokyo.requirements.count() == 6
    listed = Program.objects.filter(title__in=[t for t in _demo_titles()])
    assert not listed.filter(requirements=None).exists()
    assert StudentProfile.objects.filter(gpa__isnull=False).count() == 2
    # The demo's submitted application meets its program's required ones.
    submitted = Application.objects.get(status=Status.SUBMITTED, program=tokyo)
    assert submitted.eligibility in ("met", "unknown")


def _demo_titles():
    from apps.operations.demo import PROGRAMS

    return [row[0] for rows in PROGRAMS.values() for row in rows]
