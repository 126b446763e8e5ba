"""提交: everything checked, one service, one history row; refusals lose nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application, ApplicationEvent, Status
from apps.attachments.models import Attachment, AttachmentKind
from tests.builders import checked, form_data, passport, pdf_upload
from tests.concurrency import wait_until
from tests.factories import ProgramFactory
from tests.near_cache import default_on_redis, published, redis_or_skip

pytestmark = pytest.mark.django_db


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def submit(client, application, **data):
    return client.post(edit_url(application), {"action": "submit", **data}, follow=True)


def test_complete_draft_is_submitted_with_its_history_row(student_client, student, make_draft):
    application = make_draft()

    response = submit(student_client, application)

    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[application.pk])
    assert "申请已提交，将由国际交流部学生出国事务办公室审核" in response.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    event = application.events.last()
    assert (event.from_value, event.to_value, event.actor) == ("draft", "submitted", student)


def test_a_submit_tells_the_other_processes_once_with_every_key_it_forgot(
    settings, student, student_client, make_draft, django_capture_on_commit_callbacks
):
    """On Redis, one message for the other processes' near caches, however many rows and
    signals the submit touched (apps.core.cache_versions.forget)."""
    raw = redis_or_skip()
    cache, other = default_on_redis(settings)
    application = make_draft()
    forgotten = {
        f"application-row:{student.pk}:{application.pk}",
        f"student-applications:{student.pk}",
        f"application-list:version:{student.pk}",
    }
    cache.set_many(dict.fromkeys(forgotten, "before"), 30)
    assert wait_until(lambda: other.get_many(forgotten) == dict.fromkeys(forgotten, "before"))
    student_client.get(edit_url(application))  # the session and the user cached, as by a page

    with published(raw, cache) as messages, django_capture_on_commit_callbacks(execute=True):
        response = student_client.post(edit_url(application), {"action": "submit"})

    assert response.status_code == 302
    [message] = messages
    assert forgotten <= message
    assert wait_until(lambda: other.get_many(forgotten) == {})


def test_hmt_submission_names_the_hmt_office(student_client, make_draft):
    application = make_draft(program=ProgramFactory(region="hmt"))
    assert "港澳台事务办公室" in submit(student_client, application).text


def test_submit_saves_what_was_posted_with_it(student_client, make_draft):
    application = make_draft()
    submit(student_client, application, **{**form_data(application), "major": "数据科学"})
    application.refresh_from_db()
    assert (application.status, application.major) == (Status.SUBMITTED, "数据科学")


def test_incomplete_draft_is_refused_and_nothing_is_lost(student_client, make_draft):
    application = make_draft(complete=False, name_en="Half Done")

    response = submit(student_client, application, phone="13700000000")

    assert "还有" in response.text and "已填写的内容都已保存" in response.text
    assert "请填写性别。" in response.text
    assert "请上传中英文成绩单（附件）。" in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert (application.name_en, application.phone) == ("Half Done", "13700000000")
    assert not application.events.filter(to_value=Status.SUBMITTED).exists()


def test_language_proof_is_required_only_when_a_score_is_given(make_draft, student):
    blank = make_draft()
    assert AttachmentKind.LANGUAGE not in blank.submission_problems()

    scored = make_draft(language_test="ielts", language_score=7)
    assert AttachmentKind.LANGUAGE in scored.submission_problems()
    services.save_draft(
        application=scored,
        user=student,
        changes={},
        new_files=[checked(AttachmentKind.LANGUAGE)],
    )
    assert scored.submission_problems() == {}


def test_test_type_without_a_score_is_incomplete(make_draft):
    application = make_draft(language_test="toefl")
    assert "language_score" in application.submission_problems()


def test_passport_yes_needs_number_and_expiry(make_draft):
    application = make_draft(has_passport=True)
    problems = application.submission_problems()
    assert problems["passport_number"] == "已办理护照，请填写护照号码。"
    assert problems["passport_expiry"] == "已办理护照，请填写护照有效期。"


def test_expired_passport_is_refused(student_client, make_draft):
    application = make_draft(
        **{**passport(), "passport_expiry": timezone.localdate() - timedelta(days=1)}
    )
    response = submit(student_client, application)
    assert "护照已过期，请先换发护照再提交。" in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_passport_ending_soon_after_the_program_is_a_warning_not_a_refusal(
    student_client, make_draft
):
    program = ProgramFactory()
    expiry = program.end_date + timedelta(days=60)
    application = make_draft(program=program, **{**passport(), "passport_expiry": expiry})

    response = submit(student_client, application)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert "距项目结束不足六个月" in response.text


def test_passport_valid_long_after_the_program_gives_no_warning(student_client, make_draft):
    application = make_draft(**passport(years=5))
    assert "距项目结束不足六个月" not in submit(student_client, application).text


def test_submit_after_the_window_closed_is_refused_even_for_an_early_draft(
    student_client, student, make_draft
):
    application = make_draft()
    with time_machine.travel(application.program.closes_at + timedelta(seconds=1)):
        student_client.force_login(student)  # sessions last hours, the window days
        response = submit(student_client, application, name_en="Late Edit")
    assert "该项目已停止报名" in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.name_en == "Late Edit", "the draft itself is still saved"


def test_submit_to_an_unpublished_program_is_refused(student_client, make_draft):
    application = make_draft()
    application.program.is_published = False
    application.program.save()
    response = submit(student_client, application)
    assert "该项目已下线" in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_second_submit_is_refused(student, make_submitted):
    application = make_submitted()
    with pytest.raises(services.ApplicationError, match="不能重复提交"):
        services.submit_application(application=application, user=student)
    assert application.events.filter(to_value=Status.SUBMITTED).count() == 1


def test_submit_from_a_stale_page_after_submitting_in_another_tab(student_client, make_draft):
    application = make_draft()
    submit(student_client, application)
    response = submit(student_client, application)
    assert "不能再修改" in response.text
    assert application.events.filter(to_value=Status.SUBMITTED).count() == 1


def test_submitted_application_refuses_uploads_and_removals(student_client, make_submitted):
    application = make_submitted()
    kept = application.attachments.first()
    student_client.post(
        edit_url(application),
        {"action": "save", "remove": str(kept.pk), "transcript": pdf_upload("new.pdf")},
    )
    assert Attachment.objects.filter(pk=kept.pk).exists()
    assert not Attachment.objects.filter(original_name="new.pdf").exists()


def test_returned_application_can_be_edited_and_submitted_again(
    student_client, student, make_submitted, django_user_model
):
    application = make_submitted()
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    # The office's review actions arrive with the back-office issue; the state is what matters.
    Application.objects.filter(pk=application.pk).update(status=Status.RETURNED)
    ApplicationEvent.objects.create(
        application=application,
        from_value=Status.SUBMITTED,
        to_value=Status.RETURNED,
        actor=clerk,
        comment="成绩单缺少英文版，请补充。",
    )

    page = student_client.get(edit_url(application)).text
    assert "退回修改意见" in page and "成绩单缺少英文版，请补充。" in page
    student_client.post(
        edit_url(application), {"action": "save", "transcript": pdf_upload("英文成绩单.pdf")}
    )
    response = submit(student_client, application)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.attachments.filter(original_name="英文成绩单.pdf").exists()
    assert "修改后重新提交" in response.text


def test_withdrawn_application_cannot_be_submitted(student, make_submitted):
    application = make_submitted()
    services.withdraw_application(application=application, user=student)
    with pytest.raises(services.ApplicationError):
        services.submit_application(application=application, user=student)


def test_form_of_a_draft_whose_window_closed_says_it_cannot_be_submitted(
    student_client, student, make_draft
):
    application = make_draft()
    with time_machine.travel(application.program.closes_at + timedelta(seconds=1)):
        student_client.force_login(student)
        page = student_client.get(edit_url(application)).text
    assert "该项目已停止报名：草稿可以查看和保存，但不能再提交。" in page


def test_submit_says_it_was_submitted_once(student_client, make_draft):
    # The message after 提交 and the details page's note used to say the same twice.
    application = make_draft()

    page = submit(student_client, application).text

    assert page.count("申请已提交") == 1, "one confirmation, not two near-identical ones"
    assert "审核前，可以撤回申请" in page and "下载申请表" in page
