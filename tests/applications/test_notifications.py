"""The student hears about decisions and admission results: a notice on the home page and an
email sent only after the decision is committed."""

import logging
from smtplib import SMTPException

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from apps.applications import services
from apps.applications.models import EventKind, Notice, Status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "decide, headline",
    [
        (lambda a, c: services.approve_application(application=a, actor=c), "审核通过"),
        (
            lambda a, c: services.reject_application(application=a, actor=c, comment="名额已满"),
            "审核不通过",
        ),
        (
            lambda a, c: services.return_application(application=a, actor=c, comment="请补材料"),
            "退回修改",
        ),
    ],
    ids=["approved", "rejected", "returned"],
)
def test_a_decision_emails_the_student_after_commit(
    make_submitted, clerk, decide, headline, django_capture_on_commit_callbacks
):
    application = make_submitted()
    with django_capture_on_commit_callbacks() as callbacks:
        decide(application, clerk)
        assert mail.outbox == [], "nothing is sent before the commit"
    for callback in callbacks:  # the commit (the email, and caches forgetting the status)
        callback()

    [email] = mail.outbox
    assert email.to == [application.email]
    assert headline in email.subject and application.program.title in email.subject
    assert reverse("applications:detail", args=[application.pk]) in email.body
    assert Notice.objects.filter(student=application.student, read_at=None).count() == 1


def test_the_comment_is_in_the_email(make_submitted, clerk, django_capture_on_commit_callbacks):
    application = make_submitted()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_application(application=application, actor=clerk, comment="请补充护照")
    assert "请补充护照" in mail.outbox[0].body
    assert "重新提交" in mail.outbox[0].body


def test_nothing_is_sent_when_the_transaction_rolls_back(
    make_submitted, clerk, django_capture_on_commit_callbacks
):
    application = make_submitted()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.approve_application(application=application, actor=clerk)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notice.objects.exists()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_submitting_or_withdrawing_tells_nobody(make_draft, django_capture_on_commit_callbacks):
    application = make_draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=application, user=application.student)
        services.withdraw_application(application=application, user=application.student)
    assert mail.outbox == []
    assert not Notice.objects.exists()


@pytest.mark.parametrize("result, word", [("admitted", "录取"), ("not_admitted", "未录取")])
def test_an_admission_result_recorded_through_record_notifies_too(
    make_submitted, clerk, superuser, result, word, django_capture_on_commit_callbacks
):
    """The results helper's set_admission_result records ADMISSION events via `record_event`."""
    application = make_submitted()
    services.approve_application(application=application, actor=clerk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        application.admission_result = result
        application.save(update_fields=["admission_result"])
        services.record_event(
            application,
            actor=superuser,
            kind=EventKind.ADMISSION,
            from_value="pending",
            to_value=result,
        )
    assert f"录取结果：{word}" in mail.outbox[-1].subject
    notice = Notice.objects.filter(event__kind=EventKind.ADMISSION).get()
    assert notice.student == application.student


def test_the_email_is_in_the_students_language(
    make_submitted, clerk, django_capture_on_commit_callbacks
):
    application = make_submitted()
    profile = application.student.profile
    profile.language = "en"
    profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_application(application=application, actor=clerk)
    email = mail.outbox[0]
    assert "Approved" in email.subject
    assert "Dear" in email.body
    assert "Details: http" in email.body, "a space between the colon and the link"


def test_a_failing_mail_server_never_undoes_the_decision(
    make_submitted, clerk, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr("apps.applications.notifications.send_mail", broken)
    application = make_submitted()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.approve_application(application=application, actor=clerk)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert "Could not email" in caplog.text
    assert Notice.objects.filter(student=application.student).exists()


def test_the_notice_shows_on_the_home_page_until_dismissed(student_client, make_submitted, clerk):
    application = make_submitted()
    services.return_application(application=application, actor=clerk, comment="请补成绩单")
    home = student_client.get(reverse("programs:home"))
    assert "退回修改" in home.text and "请补成绩单" in home.text
    notice = Notice.objects.get()

    assert (
        student_client.get(reverse("applications:dismiss_notice", args=[notice.pk])).status_code
        == 405
    )
    response = student_client.post(reverse("applications:dismiss_notice", args=[notice.pk]))
    assert response.status_code == 302
    assert "请补成绩单" not in student_client.get(reverse("programs:home")).text


def test_another_students_notice_cannot_be_dismissed(client, make_submitted, clerk):
    from tests.factories import StudentProfileFactory

    application = make_submitted()
    services.approve_application(application=application, actor=clerk)
    notice = Notice.objects.get()
    client.force_login(StudentProfileFactory().user)
    url = reverse("applications:dismiss_notice", args=[notice.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_language_switch_is_remembered_for_emails(student_client, student):
    from apps.accounts.models import StudentProfile

    student_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert StudentProfile.objects.get(user=student).language == "en"
    student_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert StudentProfile.objects.get(user=student).language == "en"


def test_a_decision_shows_on_a_home_page_seen_without_notices(
    student_client, make_submitted, clerk, django_assert_num_queries
):
    """That the student has no notice is kept (no query for it) until the office decides."""
    application = make_submitted()
    home = reverse("programs:home")
    student_client.get(home)
    with django_assert_num_queries(0):  # the user with the header's profile kept, no notices
        assert 'class="mb-4 notices"' not in student_client.get(home).text
    services.return_application(application=application, actor=clerk, comment="请补成绩单")
    assert "请补成绩单" in student_client.get(home).text
