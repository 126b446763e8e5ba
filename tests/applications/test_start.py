"""报名: from an open program's page to the student's draft."""

import pytest
from django.urls import reverse

from apps.accounts.models import StudentProfile
from apps.applications import services
from apps.applications.models import Application, ApplicationEvent, Status
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


def start_url(program):
    return reverse("applications:start", args=[program.pk])


def test_apply_creates_a_draft_prefilled_from_the_profile(client):
    profile = StudentProfileFactory(name="李雨桐", school="经济与管理学院", phone="13912345678")
    client.force_login(profile.user)
    program = ProgramFactory()

    response = client.post(start_url(program))

    application = Application.objects.get(student=profile.user, program=program)
    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[application.pk])
    assert application.status == Status.DRAFT
    assert (application.name, application.school, application.phone) == (
        "李雨桐",
        "经济与管理学院",
        "13912345678",
    )
    assert application.events.get().headline == "创建报名草稿"


def test_apply_works_for_a_student_without_a_profile_yet(client, django_user_model):
    user = django_user_model.objects.create_user("2023301000077", password="x")
    client.force_login(user)
    response = client.post(start_url(ProgramFactory()))
    assert response.status_code == 302
    assert Application.objects.get(student=user).name == ""
    assert not StudentProfile.objects.filter(user=user).exists()


def test_apply_again_reopens_the_same_draft(student_client, student):
    program = ProgramFactory()
    student_client.post(start_url(program))
    Application.objects.filter(student=student).update(name_en="Kept")

    response = student_client.post(start_url(program))

    assert Application.objects.filter(student=student).count() == 1
    application = Application.objects.get(student=student)
    assert application.name_en == "Kept"
    assert response.url == reverse("applications:edit", args=[application.pk])


@pytest.mark.parametrize(
    "traits, message",
    [({"closed": True}, "该项目已停止报名"), ({"upcoming": True}, "该项目报名尚未开始")],
)
def test_apply_outside_the_window_is_refused_with_a_message(student_client, traits, message):
    program = ProgramFactory(**traits)
    response = student_client.post(start_url(program), follow=True)
    assert response.redirect_chain[-1][0] == program.get_absolute_url()
    assert message in response.text
    assert not Application.objects.exists()


def test_apply_to_an_unpublished_program_is_404(student_client):
    program = ProgramFactory(is_published=False)
    assert student_client.post(start_url(program)).status_code == 404
    assert not Application.objects.exists()


def test_apply_is_post_only(student_client):
    assert student_client.get(start_url(ProgramFactory())).status_code == 405
    assert not Application.objects.exists()


def test_anonymous_apply_is_sent_to_login(client):
    response = client.post(start_url(ProgramFactory()))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Application.objects.exists()


def test_apply_after_submitting_shows_the_submitted_application(student_client, make_submitted):
    application = make_submitted()
    response = student_client.post(start_url(application.program), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[application.pk])
    assert "每个项目只能报名一次" in response.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_apply_after_withdrawing_reopens_the_application_as_a_draft(
    student_client, student, make_submitted
):
    application = make_submitted()
    services.withdraw_application(application=application, user=student)

    student_client.post(start_url(application.program))

    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.submitted_at is None
    assert application.name_en == "Zhang Xiaoming", "what was filled in is kept"
    assert ApplicationEvent.objects.filter(application=application).last().headline == "重新报名"


def test_program_page_shows_edit_instead_of_apply_once_a_draft_exists(student_client, make_draft):
    application = make_draft(complete=False)
    response = student_client.get(application.program.get_absolute_url())
    assert reverse("applications:edit", args=[application.pk]) in response.text
    assert start_url(application.program) not in response.text
