"""Every staff change to a program, an application or a score is in the audit log (who,
when, field, old, new), readable in admin and never editable there."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from apps.applications import services
from apps.programs.models import Region
from apps.scores.models import ScoreSupplement
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def _edit_program(client, program, **changes):
    data = {
        "region": program.region,
        "title": program.title,
        "partner": program.partner,
        "country": program.country,
        "quota": program.quota or "",
        "is_published": "on",
        "start_date": program.start_date.isoformat(),
        "end_date": program.end_date.isoformat(),
        "opens_at_0": f"{localtime(program.opens_at):%Y-%m-%d}",
        "opens_at_1": f"{localtime(program.opens_at):%H:%M:%S}",
        "closes_at_0": f"{localtime(program.closes_at):%Y-%m-%d}",
        "closes_at_1": f"{localtime(program.closes_at):%H:%M:%S}",
        "requirements-TOTAL_FORMS": "0",
        "requirements-INITIAL_FORMS": "0",
        **changes,
    }
    return client.post(reverse("admin:programs_program_change", args=[program.pk]), data)


def test_a_clerks_program_edit_is_logged_with_field_old_and_new(client, clerk):
    program = ProgramFactory(title="旧标题", quota=3)
    client.force_login(clerk)
    response = _edit_program(client, program, title="新标题", quota=5)
    assert response.status_code == 302, response.context["adminform"].form.errors

    entry = entries_for(program).last()
    assert entry.actor == clerk
    assert entry.changes_dict["title"] == ["旧标题", "新标题"]
    assert entry.changes_dict["quota"] == ["3", "5"]


def test_a_review_in_admin_is_logged_with_the_clerk(client, clerk, make_submitted):
    application = make_submitted()
    client.force_login(clerk)
    url = reverse("admin:applications_application_review", args=[application.pk, "approve"])
    client.post(url)
    entry = entries_for(application).last()
    assert entry.actor == clerk
    assert entry.changes_dict["status"] == ["submitted", "approved"]


def test_a_change_records_the_address_port_and_correlation_id_of_its_request(client, clerk):
    program = ProgramFactory(title="旧标题", quota=3)
    client.force_login(clerk)
    client.defaults.update(
        HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
        HTTP_X_FORWARDED_PORT="44321",
        HTTP_X_CORRELATION_ID="req-42",
    )
    _edit_program(client, program, title="新标题")
    entry = entries_for(program).last()
    assert (entry.actor, entry.remote_addr, entry.remote_port, entry.cid) == (
        clerk,
        "203.0.113.7",
        44321,
        "req-42",
    )


def test_a_request_connects_no_receiver_of_its_own(client, clerk):
    # django-auditlog connects a receiver at the start of every request and disconnects it
    # at the end; the portal's middleware connected one once (apps.core.middleware).
    during = []

    def count(sender, **kwargs):
        during.append(len(pre_save.receivers))

    pre_save.connect(count, sender=LogEntry, weak=False)
    try:
        client.force_login(clerk)
        client.get("/healthz/")  # the middleware chain is loaded
        between = len(pre_save.receivers)
        program = ProgramFactory()
        _edit_program(client, program, title="改")
    finally:
        pre_save.disconnect(count, sender=LogEntry)
    assert during and set(during) == {between}
    assert entries_for(program).last().actor == clerk


def test_a_score_supplement_is_logged(make_submitted, superuser):
    application = make_submitted()
    supplement = ScoreSupplement.objects.create(
        application=application, language_test="ielts", score="7.0", created_by=superuser
    )
    assert entries_for(supplement).filter(action=LogEntry.Action.CREATE).exists()


def test_the_history_is_on_the_objects_page_and_in_the_log(client, clerk, make_submitted):
    application = make_submitted()
    services.return_application(application=application, actor=clerk, comment="补材料")
    client.force_login(clerk)
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert "修改记录" in page.text and "退回修改" in page.text

    log = client.get(reverse("admin:core_auditentry_changelist"))
    assert log.status_code == 200
    assert str(application) in log.text


def test_the_log_cannot_be_edited_or_deleted_even_by_a_superuser(client, superuser):
    program = ProgramFactory()
    entry = entries_for(program).get()
    client.force_login(superuser)
    change = reverse("admin:core_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"object_repr": "forged"})
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    bulk = client.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.object_repr == program.title


def test_a_clerk_reads_only_their_tracks_log(client, clerk):
    mine = ProgramFactory(title="国际项目日志", region=Region.INTERNATIONAL)
    theirs = ProgramFactory(title="港澳台项目日志", region=Region.HMT)
    client.force_login(clerk)
    log = client.get(reverse("admin:core_auditentry_changelist"))
    assert mine.title in log.text and theirs.title not in log.text
    other = entries_for(theirs).get()
    assert client.get(reverse("admin:core_auditentry_change", args=[other.pk])).status_code in (
        403,
        404,
    )


def test_a_students_save_is_logged_once_with_the_student_and_old_and_new(
    client, student, make_draft
):
    application = make_draft(phone="010-11111111", major="数学")
    client.force_login(student)
    before = entries_for(application).count()
    url = reverse("applications:edit", args=[application.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"action": "save", "phone": "010-22222222"})
    assert response.status_code == 302

    [entry] = entries_for(application)[before:]
    assert entry.actor == student
    assert entry.changes_dict == {"phone": ["010-11111111", "010-22222222"]}
    assert str(application.pk) == entry.object_pk
    assert entry.object_repr == f"{student.username} · {application.program.title}"
    # The row is read once, locked, and the entry diffed against it; the program's title
    # comes with that read, not from a query of its own.
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"applications_application"."phone"' in q["sql"]
    ]
    assert len(reads) == 1, reads
    assert not [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "programs_program"')
    ]


def test_the_log_shows_yes_no_and_choice_labels_and_keeps_the_passport_masked(
    client, superuser, make_submitted
):
    application = make_submitted()
    application.has_passport = True
    application.passport_number = "E12345678"
    application.passport_expiry = application.program.end_date.replace(year=2040)
    application.gender = "female"
    application.save()
    client.force_login(superuser)

    entry = entries_for(application).last()
    page = client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).text
    assert "是否已办理护照</strong>：<del>否</del> → <ins>是</ins>" in page
    assert "性别</strong>：<del>男</del> → <ins>女</ins>" in page
    assert "False" not in page and "True" not in page
    assert "E12345678" not in page
    listing = client.get(reverse("admin:core_auditentry_changelist")).text
    assert "<del>否</del> → <ins>是</ins>" in listing and "E12345678" not in listing
    own_page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert "<del>否</del> → <ins>是</ins>" in own_page.text


def test_admin_writes_dates_as_the_portal_does(client, superuser, make_submitted):
    application = make_submitted()
    client.force_login(superuser)
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    submitted = localtime(application.submitted_at)
    assert f"{submitted:%Y-%m-%d %H:%M}" in page.text
    assert f"{submitted.year}年" not in page.text


@pytest.mark.parametrize(
    "drill_down",
    [
        "timestamp__year=99999999999999999999",  # beyond any integer the date takes
        "timestamp__year=" + "9" * 5000,  # beyond what int() reads at all
        "timestamp__year=9999",  # its range would end in year 10000
        "timestamp__year=1",  # before year 1 in UTC
        "timestamp__year=%C2%B2",  # "²": a digit to str.isdigit, not to int()
        "timestamp__year=2026&timestamp__month=13",
        "timestamp__year=2026&timestamp__month=2&timestamp__day=30",
    ],
)
def test_a_year_out_of_the_calendar_shows_the_log_again_not_an_error(client, superuser, drill_down):
    client.force_login(superuser)
    url = reverse("admin:core_auditentry_changelist")
    response = client.get(f"{url}?{drill_down}")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
    assert client.get(f"{url}?timestamp__year=2026").status_code == 200
