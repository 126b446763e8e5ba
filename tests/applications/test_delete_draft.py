"""删除草稿: a confirm page, then POST; drafts that never reached the office only, their files
with them, and the audit log sees it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.applications import services
from apps.applications.models import Application, ApplicationEvent, Status
from apps.attachments.models import Attachment
from tests.builders import office_admin
from tests.factories import StudentProfileFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("applications:list")


def delete_url(application):
    return reverse("applications:delete", args=[application.pk])


def messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def stored_names(application):
    return [a.file.name for a in application.attachments.all()]


# --- The draft goes, with everything of it ----------------------------------------------


def test_the_confirm_page_names_the_program_and_the_files(student_client, make_draft):
    draft = make_draft()

    response = student_client.get(delete_url(draft))

    assert response.status_code == 200
    page = response.text
    assert f"确定删除对「{draft.program.title}」的报名草稿吗？" in page
    assert "transcript.pdf" in page and "enrollment.pdf" in page
    assert 'method="post"' in page and "确认删除" in page
    assert Application.objects.filter(pk=draft.pk).exists(), "a GET deletes nothing"


def test_deleting_a_draft_removes_it_its_history_and_its_files(
    student_client, make_draft, media, django_capture_on_commit_callbacks
):
    draft = make_draft()
    names = stored_names(draft)
    assert len(names) == 2 and all((media / name).exists() for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = student_client.post(delete_url(draft))

    assert (response.status_code, response.url) == (302, LIST_URL)
    assert messages(response) == [f"「{draft.program.title}」的报名草稿已删除。"]
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not Attachment.objects.filter(application_id=draft.pk).exists()
    assert not ApplicationEvent.objects.filter(application_id=draft.pk).exists()
    assert not any((media / name).exists() for name in names), "the stored files are gone"
    assert "你还没有报名任何项目。" in student_client.get(LIST_URL).text


def test_the_audit_log_records_the_deletion_and_who_did_it(student_client, student, make_draft):
    draft = make_draft()
    attachment_ids = {str(pk) for pk in draft.attachments.values_list("pk", flat=True)}

    student_client.post(delete_url(draft))

    deleted = LogEntry.objects.filter(action=LogEntry.Action.DELETE)
    application = deleted.get(
        content_type__model="application", object_pk=str(draft.pk), actor=student
    )
    assert draft.program.title in application.object_repr
    files = deleted.filter(content_type__model="attachment", actor=student)
    assert set(files.values_list("object_pk", flat=True)) == attachment_ids


def test_after_deleting_the_student_may_apply_again(student_client, student, make_draft):
    draft = make_draft()
    program = draft.program
    student_client.post(delete_url(draft))

    response = student_client.post(reverse("applications:start", args=[program.pk]))

    assert response.status_code == 302
    again = Application.objects.get(student=student, program=program)
    assert again.pk != draft.pk and again.status == Status.DRAFT


# --- Offered where a student looks for it -------------------------------------------------


def test_the_list_and_the_edit_page_offer_删除草稿_for_a_draft(student_client, make_draft):
    draft = make_draft(complete=False)

    for page in (LIST_URL, reverse("applications:edit", args=[draft.pk])):
        text = student_client.get(page).text
        assert delete_url(draft) in text and "删除草稿" in text


def test_nothing_once_submitted_offers_删除草稿(student_client, make_submitted, make_draft):
    submitted = make_submitted()
    returned = make_submitted()
    services.return_application(application=returned, actor=office_admin(), comment="请补充")
    reopened = make_submitted()
    services.withdraw_application(application=reopened, user=reopened.student)
    reopened, _ = services.start_application(program=reopened.program, student=reopened.student)
    assert reopened.status == Status.DRAFT

    text = student_client.get(LIST_URL).text
    for application in (submitted, returned, reopened):
        assert delete_url(application) not in text
    for application in (returned, reopened):
        edit = student_client.get(reverse("applications:edit", args=[application.pk])).text
        assert delete_url(application) not in edit


# --- Refused: not a draft, or once submitted ------------------------------------------------


def _withdrawn(application):
    return services.withdraw_application(application=application, user=application.student)


def _reopened(application):
    _withdrawn(application)
    return services.start_application(program=application.program, student=application.student)[0]


def _returned(application):
    return services.return_application(application=application, actor=office_admin(), comment="x")


def _approved(application):
    return services.approve_application(application=application, actor=office_admin())


@pytest.mark.parametrize(
    "make",
    [lambda a: a, _withdrawn, _reopened, _returned, _approved],
    ids=["submitted", "withdrawn", "withdrawn-then-reopened", "returned", "approved"],
)
def test_an_application_once_submitted_is_never_deleted(student_client, make_submitted, make):
    application = make(make_submitted())
    events = application.events.count()

    for response in (
        student_client.get(delete_url(application)),
        student_client.post(delete_url(application)),
    ):
        assert response.status_code == 302
        assert response.url == reverse("applications:detail", args=[application.pk])
        assert "不能删除" in messages(response)[-1]
    assert Application.objects.filter(pk=application.pk).exists()
    assert application.events.count() == events
    assert application.attachments.count() == 2


def test_the_service_refuses_a_draft_submitted_meanwhile(student, make_draft):
    """The service reads the row again under its lock: a stale copy changes nothing."""
    stale = make_draft()
    services.submit_application(application=stale, user=student)

    with pytest.raises(services.ApplicationError, match="不能删除"):
        services.delete_draft(application=stale, user=student)
    assert Application.objects.get(pk=stale.pk).status == Status.SUBMITTED


def test_a_tab_still_showing_a_deleted_draft_is_told_so(student, make_draft):
    stale = make_draft()
    services.delete_draft(application=stale, user=student)

    for again in (services.submit_application, services.delete_draft):
        with pytest.raises(services.ApplicationError, match="这份草稿已被删除。"):
            again(application=stale, user=student)


def test_the_service_refuses_someone_elses_draft(student, make_draft):
    draft = make_draft(owner=StudentProfileFactory().user)

    with pytest.raises(services.ApplicationError, match="只能删除自己的草稿"):
        services.delete_draft(application=draft, user=student)
    assert Application.objects.filter(pk=draft.pk).exists()


# --- Who may ask ---------------------------------------------------------------------------


def test_another_students_or_the_offices_draft_is_404(client, make_draft, clerk, superuser):
    draft = make_draft(owner=StudentProfileFactory().user)

    for user in (StudentProfileFactory().user, clerk, superuser):
        client.force_login(user)
        assert client.get(delete_url(draft)).status_code == 404
        assert client.post(delete_url(draft)).status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()


def test_anonymous_is_sent_to_login(client, make_draft):
    draft = make_draft()

    response = client.post(delete_url(draft))

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Application.objects.filter(pk=draft.pk).exists()


def test_other_methods_are_not_allowed(student_client, make_draft):
    draft = make_draft()

    assert student_client.put(delete_url(draft)).status_code == 405
    assert Application.objects.filter(pk=draft.pk).exists()
