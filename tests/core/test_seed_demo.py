import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

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
