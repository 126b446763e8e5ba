"""近期申请列表 and 详情: what the student sees of their applications."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application, ApplicationEvent, Status
from apps.attachments.models import AttachmentKind
from tests.builders import checked, office_admin, pdf_upload
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("applications:list")


def detail_url(application):
    return reverse("applications:detail", args=[application.pk])


def test_list_shows_every_application_newest_first_with_status_and_result(
    student_client, make_draft, make_submitted
):
    older = make_submitted(program=ProgramFactory(title="早报的项目"))
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        newer = make_draft(program=ProgramFactory(title="新报的项目", region="hmt"), complete=False)

    response = student_client.get(LIST_URL)

    text = response.text
    assert text.index("新报的项目") < text.index("早报的项目")
    assert "待审核" in text and "草稿" in text and "待定" in text
    assert "校际交流项目（港澳台）" in text
    assert reverse("applications:edit", args=[newer.pk]) in text, "编辑 on the draft"
    assert reverse("applications:edit", args=[older.pk]) not in text
    assert detail_url(older) in text


def test_list_shows_only_the_students_own_applications(student_client, make_draft):
    make_draft(program=ProgramFactory(title="别人的项目"), owner=StudentProfileFactory().user)
    response = student_client.get(LIST_URL)
    assert "别人的项目" not in response.text
    assert "你还没有报名任何项目。" in response.text


def test_list_offers_edit_on_returned_applications(student_client, make_submitted):
    application = make_submitted()
    Application.objects.filter(pk=application.pk).update(status=Status.RETURNED)
    response = student_client.get(LIST_URL)
    assert "退回修改" in response.text
    assert reverse("applications:edit", args=[application.pk]) in response.text


def test_anonymous_list_and_detail_are_sent_to_login(client, make_draft):
    application = make_draft()
    client.logout()
    for url in (LIST_URL, detail_url(application)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_detail_shows_what_was_submitted_the_files_and_the_history(
    student_client, make_submitted, django_user_model
):
    application = make_submitted(
        has_passport=True,
        passport_number="E12345678",
        passport_expiry=timezone.localdate() + timedelta(days=2000),
    )
    clerk = django_user_model.objects.create_user("intl_clerk", first_name="王审核", is_staff=True)
    ApplicationEvent.objects.create(
        application=application,
        from_value="submitted",
        to_value="returned",
        actor=clerk,
        comment="请补充英文成绩单。",
    )
    Application.objects.filter(pk=application.pk).update(status=Status.RETURNED)

    text = student_client.get(detail_url(application)).text

    for value in ["张晓明", "Zhang Xiaoming", "软件工程", "本科", "E12345678"]:
        assert value in text
    for name in ["transcript.pdf", "enrollment.pdf"]:
        assert name in text
    for step in ["创建报名草稿", "提交申请", "退回修改", "请补充英文成绩单。", "本人"]:
        assert step in text
    # The office acted, not a login name: the clerk is the office's own business.
    assert "国际交流部学生出国事务办公室" in text.split("状态记录")[1]
    assert "intl_clerk" not in text and "王审核" not in text
    assert reverse("applications:edit", args=[application.pk]) in text


def test_detail_offers_withdraw_only_while_submitted(student_client, make_submitted, make_draft):
    submitted = make_submitted()
    draft = make_draft()
    withdraw = reverse("applications:withdraw", args=[submitted.pk])
    assert withdraw in student_client.get(detail_url(submitted)).text
    assert (
        reverse("applications:withdraw", args=[draft.pk])
        not in student_client.get(detail_url(draft)).text
    )


def test_another_students_detail_is_404(client, make_submitted):
    application = make_submitted()
    client.force_login(StudentProfileFactory().user)
    assert client.get(detail_url(application)).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow_with_rows(
    student_client, student, make_draft, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_draft(complete=False)
    # user with the header's profile (the session is in the cache), and the first time
    # only the applications with their programs; then both kept: nothing at all
    with django_assert_num_queries(2):
        first = student_client.get(LIST_URL)
    with django_assert_num_queries(0):
        again = student_client.get(LIST_URL)
    assert first.text.count("/edit/") == again.text.count("/edit/") == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_detail_query_count_does_not_grow_with_files_or_history(
    student_client, student, make_draft, django_assert_num_queries, rows
):
    from apps.applications import services
    from apps.attachments.models import AttachmentKind
    from tests.builders import checked

    application = make_draft(complete=False)
    services.save_draft(
        application=application,
        user=student,
        changes={},
        new_files=[checked(AttachmentKind.TRANSCRIPT) for _ in range(min(rows, 5))],
    )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=application, to_value="draft", actor=student)
        for _ in range(rows)
    )
    # user with profile (the session is in the cache), application, its program and the
    # catalog's next window edge (then kept with the catalog), attachments, events with
    # actors; again: nothing (the user, the row and the parts from the cache)
    with django_assert_num_queries(6):
        response = student_client.get(detail_url(application))
    assert response.status_code == 200
    with django_assert_num_queries(0):
        assert student_client.get(detail_url(application)).status_code == 200


def test_every_url_of_someone_elses_application_is_404(client, make_submitted):
    """Walks the app's URL patterns, so that a new view cannot forget the owner check."""
    from apps.applications import urls

    application = make_submitted()
    attachment = application.attachments.first()
    client.force_login(StudentProfileFactory().user)
    args = {"pk": application.pk, "attachment_pk": attachment.pk}
    checked = 0
    for pattern in urls.urlpatterns:
        params = pattern.pattern.converters
        if "pk" not in params:
            continue
        url = reverse(f"applications:{pattern.name}", kwargs={k: args[k] for k in params})
        for method in (client.get, client.post):
            assert method(url).status_code == 404, url
        checked += 1
    assert checked >= 4
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


@pytest.mark.parametrize(
    "score, shown", [("7.0", "7"), ("6.5", "6.5"), ("100.0", "100"), ("0.0", "0"), ("110", "110")]
)
def test_scores_are_shown_as_people_write_them(score, shown):
    from decimal import Decimal

    from apps.applications.models import format_score

    assert format_score(Decimal(score)) == shown


def test_a_blank_score_reads_not_filled_on_a_draft_and_to_be_added_once_submitted(
    make_draft, make_submitted
):
    from decimal import Decimal

    def score_row(application):
        rows = dict(application.display_sections()[1][1])
        return str(rows["外语成绩"])

    assert score_row(make_draft(complete=False)) == "未填写"
    assert score_row(make_submitted()) == "待补录"
    assert score_row(make_draft(language_test="ielts", language_score=Decimal("7.0"))) == "7"


# --- 详情's cached parts follow every change ------------------------------------------


def test_the_details_show_a_review_made_after_they_were_seen(student_client, make_submitted):
    application = make_submitted()
    assert "待审核" in student_client.get(detail_url(application)).text

    services.return_application(
        application=application, actor=office_admin(), comment="请补充英文成绩单"
    )

    page = student_client.get(detail_url(application)).text
    assert "请补充英文成绩单" in page
    assert page.count("退回修改") >= 2, "the badge and the history both say it"


def test_the_details_show_a_file_added_by_a_save_that_changed_nothing_else(
    student_client, student, make_draft
):
    application = make_draft(complete=False)
    student_client.get(detail_url(application))

    services.save_draft(
        application=application,
        user=student,
        changes={},
        new_files=[checked(AttachmentKind.TRANSCRIPT, pdf_upload("新成绩单.pdf"))],
    )

    assert "新成绩单.pdf" in student_client.get(detail_url(application)).text


def test_the_details_are_cached_per_language(student_client, make_submitted):
    application = make_submitted()
    assert "待审核" in student_client.get(detail_url(application)).text

    student_client.cookies["django_language"] = "en"
    page = student_client.get(detail_url(application)).text

    assert "Submitted" in page or "Pending" in page
    assert "未填写" not in page and "状态记录" not in page


# --- 近期申请列表's cached table follows every change --------------------------------


def test_the_list_shows_a_review_made_after_it_was_seen(student_client, make_submitted):
    application = make_submitted()
    assert "待审核" in student_client.get(LIST_URL).text

    services.return_application(application=application, actor=office_admin(), comment="请补充")

    page = student_client.get(LIST_URL).text
    assert "退回修改" in page
    assert reverse("applications:edit", args=[application.pk]) in page


def test_the_list_shows_an_admission_result_and_then_the_summary_being_filed(
    student_client, make_approved
):
    from apps.summaries.models import ReturnSummary
    from tests.summaries.test_summary import finished_program

    application = make_approved(program=finished_program())
    assert "待定" in student_client.get(LIST_URL).text

    application = services.set_admission_result(
        application=application, result="admitted", actor=office_admin()
    )
    page = student_client.get(LIST_URL).text
    assert "录取" in page and "填写交流总结" in page

    ReturnSummary.objects.create(
        application=application,
        return_date=timezone.localdate(),
        submitted_at=timezone.now(),
    )
    assert "填写交流总结" not in student_client.get(LIST_URL).text


def test_the_list_shows_a_program_renamed_after_it_was_seen(student_client, make_draft):
    application = make_draft(complete=False)
    assert application.program.title in student_client.get(LIST_URL).text

    application.program.title = "改名后的项目"
    application.program.save()

    assert "改名后的项目" in student_client.get(LIST_URL).text


def test_the_list_is_cached_per_language(student_client, make_submitted):
    make_submitted()
    assert "待审核" in student_client.get(LIST_URL).text

    student_client.cookies["django_language"] = "en"
    page = student_client.get(LIST_URL).text

    assert "待审核" not in page and "项目名称" not in page


def test_the_lists_score_dialog_posts_with_this_browsers_csrf_token(student, make_submitted):
    """The cached dialog carries a mark in place of the token, filled in per request."""
    import re

    from django.test import Client

    application = make_submitted(language_score=None)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    browser.get(LIST_URL)  # rendered and cached by this first view
    page = browser.get(LIST_URL).text
    dialog = page[page.index(f'id="score-dialog-{application.pk}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', dialog).group(1)

    response = browser.post(
        reverse("scores:supplement", args=[application.pk]),
        {"csrfmiddlewaretoken": token, "language_test": "ielts", "language_score": "7"},
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.language_score == 7


def test_the_details_page_shows_its_programs_edit_at_once(student_client, make_submitted):
    """The program beside the application is kept with the catalog: replaced on a save."""
    application = make_submitted()
    assert application.program.title in student_client.get(detail_url(application)).text
    application.program.title = "改名后的交流项目"
    application.program.save()
    assert "改名后的交流项目" in student_client.get(detail_url(application)).text


def test_the_list_shows_a_supplemented_score_and_a_draft_once_submitted_at_once(
    student_client, student, make_submitted, make_draft
):
    """Cached, the list reads no row: every change it shows forgets it (a score, the
    history a submission leaves, which ends 删除草稿)."""
    from apps.scores.models import ScoreSupplement

    application = make_submitted(language_score=None)
    assert "补录分数" in student_client.get(LIST_URL).text

    ScoreSupplement.objects.create(application=application, language_test="ielts", score=7)
    Application.objects.filter(pk=application.pk).update(language_score=7)  # only the row
    assert "补录分数" not in student_client.get(LIST_URL).text

    draft = make_draft(complete=False, owner=student)
    delete = reverse("applications:delete", args=[draft.pk])
    assert delete in student_client.get(LIST_URL).text
    ApplicationEvent.objects.create(
        application=draft, kind="status", to_value="submitted", actor=student
    )
    assert delete not in student_client.get(LIST_URL).text


def test_a_message_after_a_redirect_shows_once_on_the_cached_list(student_client, make_draft):
    """近期申请列表 comes from the cache as a whole page: the message, the header and the
    CSRF token are this request's."""
    kept, deleted = make_draft(), make_draft()
    list_url = reverse("applications:list")
    student_client.get(list_url)  # cached
    student_client.post(reverse("applications:delete", args=[deleted.pk]))

    page = student_client.get(list_url).text
    assert page.count("的报名草稿已删除。") == 1
    assert kept.program.title in page and "张晓明" in page  # the header's name
    assert "的报名草稿已删除。" not in student_client.get(list_url).text
