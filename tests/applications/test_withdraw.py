"""撤回申请: confirm page, then POST; only before the office decides."""

import pytest
from django.urls import reverse

from apps.applications.models import Application, Status
from tests.factories import StudentProfileFactory

pytestmark = pytest.mark.django_db


def withdraw_url(application):
    return reverse("applications:withdraw", args=[application.pk])


def test_confirm_page_asks_before_anything_changes(student_client, make_submitted):
    application = make_submitted()
    response = student_client.get(withdraw_url(application))
    assert response.status_code == 200
    assert "确定撤回" in response.text and "确认撤回" in response.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_withdraw_records_the_move_in_the_history(student_client, student, make_submitted):
    application = make_submitted()
    response = student_client.post(withdraw_url(application), follow=True)
    assert "申请已撤回。" in response.text
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    event = application.events.last()
    assert (event.from_value, event.to_value, event.actor) == ("submitted", "withdrawn", student)
    assert "撤回申请" in response.text, "the timeline shows it"


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.RETURNED])
def test_decided_application_cannot_be_withdrawn(student_client, make_submitted, status):
    application = make_submitted()
    Application.objects.filter(pk=application.pk).update(status=status)

    confirm = student_client.get(withdraw_url(application), follow=True)
    posted = student_client.post(withdraw_url(application), follow=True)

    for response in (confirm, posted):
        assert "只有待审核的申请可以撤回" in response.text
    application.refresh_from_db()
    assert application.status == status


def test_draft_cannot_be_withdrawn(student_client, make_draft):
    application = make_draft()
    response = student_client.post(withdraw_url(application), follow=True)
    assert "只有待审核的申请可以撤回" in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_another_student_gets_404(client, make_submitted):
    application = make_submitted()
    client.force_login(StudentProfileFactory().user)
    assert client.get(withdraw_url(application)).status_code == 404
    assert client.post(withdraw_url(application)).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_anonymous_is_sent_to_login(client, make_submitted):
    application = make_submitted()
    response = client.post(withdraw_url(application))
    assert response.status_code == 302 and "/accounts/login/" in response.url
