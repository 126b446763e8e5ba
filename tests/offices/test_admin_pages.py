"""Every model is in Django admin, and every admin list and form opens."""

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.accounts.models import LoginLockout
from apps.applications.models import Application, ApplicationEvent
from apps.attachments.models import Attachment
from apps.core.models import AuditEntry
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

PORTAL_MODELS = [m for m in admin.site._registry if m._meta.app_label != "auth"]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_every_portal_model_is_registered():
    labels = {m._meta.label for m in PORTAL_MODELS}
    assert labels >= {
        "accounts.StudentProfile",
        "programs.Program",
        "applications.Application",
        "applications.ApplicationEvent",
        "attachments.Attachment",
        "scores.ScoreSupplement",
        "summaries.ReturnSummary",
    }


@pytest.mark.parametrize("model", PORTAL_MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_add_page_open(admin_client, model):
    ApplicationFactory(program=ProgramFactory())
    info = model._meta.app_label, model._meta.model_name
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    add = admin_client.get(reverse("admin:{}_{}_add".format(*info)))
    # History and audit rows are never added by hand; applications, files, scores and
    # summaries come from students; login lockouts from failed sign-ins.
    never_added = (ApplicationEvent, AuditEntry, Application, Attachment, LoginLockout)
    never_added += (ScoreSupplement, ReturnSummary)
    assert add.status_code == (403 if model in never_added else 200)


# The 申请条件 inline's management form, with no requirement.
REQUIREMENTS_NONE = {
    "requirements-TOTAL_FORMS": "0",
    "requirements-INITIAL_FORMS": "0",
}


def test_a_program_is_created_in_admin_with_the_window_checked(admin_client):
    data = {
        "region": "hmt",
        "title": "香港大学学期交流项目",
        "partner": "香港大学",
        "country": "中国香港",
        "is_published": "on",
        "start_date": "2027-02-01",
        "end_date": "2027-06-30",
        "opens_at_0": "2026-12-10",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2026-12-01",
        "closes_at_1": "17:00:00",
        **REQUIREMENTS_NONE,
    }
    url = reverse("admin:programs_program_add")
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    assert "报名截止时间必须晚于报名开始时间" in refused.text

    data["closes_at_0"] = "2026-12-31"
    assert admin_client.post(url, data).status_code == 302


def test_history_rows_cannot_be_edited_in_admin(admin_client):
    event = ApplicationEvent.objects.create(
        application=ApplicationFactory(), kind="status", from_value="draft", to_value="submitted"
    )
    url = reverse("admin:applications_applicationevent_change", args=[event.pk])
    response = admin_client.post(url, {"to_value": "approved"})
    event.refresh_from_db()
    assert event.to_value == "submitted"
    assert response.status_code in (200, 403)
