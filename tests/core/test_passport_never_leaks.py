"""The passport number never reaches the audit log, an error report or an office list."""

import sys

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.signals import got_request_exception
from django.urls import reverse
from django.views.debug import ExceptionReporter

from apps.applications import services
from apps.programs.models import Region
from tests.builders import clerk, passport, pdf_upload

pytestmark = pytest.mark.django_db

NUMBER = passport()["passport_number"]


def everything_logged():
    return "\n".join(
        f"{e.changes} {e.changes_text} {e.serialized_data} {e.additional_data}"
        for e in LogEntry.objects.all()
    )


def test_no_audit_entry_holds_the_number_yet_the_change_is_recorded(make_draft, client):
    application = make_draft(**passport())
    admin = clerk(superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data |= {"passport_number": "G87654321", "passport_expiry": data["passport_expiry"]}
    data |= {
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
    }
    response = client.post(
        reverse("admin:applications_application_change", args=[application.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    application.refresh_from_db()
    assert application.passport_number == "G87654321"

    logged = everything_logged()
    assert LogEntry.objects.get_for_object(application).count() >= 2
    for secret in (NUMBER, "G87654321", NUMBER[-4:], "87654321"[-4:]):
        assert secret not in logged
    change = LogEntry.objects.get_for_object(application).latest("timestamp")
    assert change.changes_dict["passport_number"] == ["******", "******"]


def disk_full(*args, **kwargs):
    raise OSError("No space left on device")


def test_an_error_report_never_shows_the_posted_passport(
    student_client, make_draft, settings, monkeypatch
):
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.edu")]
    application = make_draft(complete=False)
    # The disk fails (storing the upload) after the row was written, with the number in
    # the service's locals.
    monkeypatch.setattr(services.files, "replace_files", disk_full)
    reports = []

    def capture(sender, request, **kwargs):
        reporter = ExceptionReporter(request, *sys.exc_info(), is_email=True)
        reports.extend([reporter.get_traceback_html(), reporter.get_traceback_text()])

    got_request_exception.connect(capture)
    student_client.raise_request_exception = False
    try:
        response = student_client.post(
            reverse("applications:edit", args=[application.pk]),
            {
                "action": "save",
                **passport(),
                "passport_expiry": "2031-01-01",
                "transcript": pdf_upload(),
            },
        )
    finally:
        got_request_exception.disconnect(capture)

    assert response.status_code == 500
    assert len(reports) == 2 and "No space left on device" in reports[1]
    assert "passport_number" in reports[1], "the parameter is listed, its value hidden"
    email = mail.outbox[-1]
    assert "ops@example.edu" in email.to
    bodies = [email.body, *(content for content, _type in email.alternatives), *reports]
    for body in bodies:
        assert NUMBER not in body


def test_the_office_list_and_its_search_never_show_the_number(make_submitted, client):
    application = make_submitted(**passport())
    client.force_login(clerk(Region.INTERNATIONAL))
    url = reverse("admin:applications_application_changelist")
    page = client.get(url).text
    assert application.name in page and NUMBER not in page
    assert "passport" not in " ".join(client.get(url).context["cl"].model_admin.search_fields)


def test_the_clerk_of_the_track_sees_the_number_on_the_application_page(make_submitted, client):
    application = make_submitted(**passport())
    client.force_login(clerk(application.program.region))
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert NUMBER in page.text
