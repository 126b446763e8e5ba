"""保存: an incomplete draft is kept, type errors are shown, nothing typed is lost."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import StudentProfile
from apps.applications.models import Application, Status
from tests.factories import StudentProfileFactory

pytestmark = pytest.mark.django_db


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def test_edit_page_shows_the_form_sections_and_the_manuals_hints(student_client, make_draft):
    application = make_draft(complete=False)
    response = student_client.get(edit_url(application))
    assert response.status_code == 200
    for text in [
        "报名信息填写",
        "是否已办理护照",
        "护照号码",
        "护照有效期",
        "中英文成绩单（附件）",
        "中英文在读证明（附件）",
        "外语水平证明（附件）",
        "本科生的中英文成绩单在本科生院开具。研究生的中英文成绩单在研究生院开具。",
        "如暂无语言证明原件，请上传网页截图。",
        "填写进度",
    ]:
        assert text in response.text


def test_save_keeps_an_incomplete_draft(student_client, make_draft):
    application = make_draft(complete=False)

    response = student_client.post(
        edit_url(application), {"action": "save", "name_en": "Zhang San", "phone": "13800000000"}
    )

    assert response.status_code == 302 and response.url == edit_url(application)
    application.refresh_from_db()
    assert (application.name_en, application.phone) == ("Zhang San", "13800000000")
    assert application.status == Status.DRAFT
    page = student_client.get(response.url).text
    assert "已保存" in page
    assert 'value="Zhang San"' in page, "编辑 reopens it exactly as left"


def test_a_save_that_changes_nothing_writes_nothing(student_client, make_draft):
    application = make_draft(complete=False)
    data = {"action": "save", "name_en": "Zhang San", "phone": "13800000000"}
    student_client.post(edit_url(application), data)
    application.refresh_from_db()
    audit_entries = LogEntry.objects.count()

    response = student_client.post(edit_url(application), data)

    assert response.status_code == 302
    assert "已保存" in student_client.get(response.url).text, "the student is told all the same"
    assert Application.objects.get(pk=application.pk).updated_at == application.updated_at
    assert LogEntry.objects.count() == audit_entries


def test_save_shows_type_errors_and_keeps_the_valid_fields(student_client, make_draft):
    application = make_draft(complete=False, email="old@example.edu")

    response = student_client.post(
        edit_url(application),
        {
            "action": "save",
            "name_en": "Li Si",
            "email": "not-an-email",
            "enrollment_year": "20x3",
            "passport_expiry": "2030-02-31",
            "has_passport": "True",
        },
    )

    assert response.status_code == 200
    assert "下面标出的内容有误，未保存" in response.text
    for message in ["输入一个有效的 Email 地址。", "输入整数。", "输入一个有效的日期。"]:
        assert message in response.text
    assert 'value="not-an-email"' in response.text, "the bad value stays in the form to fix"
    application.refresh_from_db()
    assert application.name_en == "Li Si"
    assert application.email == "old@example.edu"
    assert application.enrollment_year is None
    assert application.has_passport is None, "the passport trio moves together or not at all"


def test_no_passport_clears_the_passport_fields_on_the_server(student_client, make_draft):
    application = make_draft(complete=False)
    student_client.post(
        edit_url(application),
        {"has_passport": "True", "passport_number": "e 1234 5678", "passport_expiry": "2030-01-01"},
    )
    application.refresh_from_db()
    assert application.passport_number == "E12345678", "spaces dropped, upper case"

    student_client.post(
        edit_url(application),
        {"has_passport": "False", "passport_number": "E99999999", "passport_expiry": "2031-01-01"},
    )

    application.refresh_from_db()
    assert application.has_passport is False
    assert (application.passport_number, application.passport_expiry) == ("", None)


def test_passport_number_without_an_answer_asks_for_the_answer(student_client, make_draft):
    application = make_draft(complete=False)
    response = student_client.post(edit_url(application), {"passport_number": "E12345678"})
    assert response.status_code == 200
    assert "填写护照信息前，请先选择「是」" in response.text
    application.refresh_from_db()
    assert application.passport_number == ""


def test_a_score_outside_the_tests_range_is_refused(student_client, make_draft):
    application = make_draft(complete=False)
    response = student_client.post(
        edit_url(application), {"language_test": "ielts", "language_score": "65"}
    )
    assert "雅思 IELTS 的成绩应在 0 到 9 之间" in response.text
    application.refresh_from_db()
    assert application.language_score is None


def test_fields_from_the_directory_are_locked_whatever_the_browser_sends(client):
    profile = StudentProfileFactory(name="王五", ldap_fields=["name"])
    client.force_login(profile.user)
    from tests.factories import ProgramFactory

    client.post(reverse("applications:start", args=[ProgramFactory().pk]))
    application = Application.objects.get(student=profile.user)

    client.post(edit_url(application), {"name": "Somebody Else", "major": "数学"})

    application.refresh_from_db()
    assert (application.name, application.major) == ("王五", "数学")
    page = client.get(edit_url(application)).text
    assert "来自统一身份认证" in page


def test_profile_without_ldap_fields_leaves_everything_editable(student_client, make_draft):
    application = make_draft(complete=False)
    StudentProfile.objects.filter(user=application.student).update(ldap_fields=[])
    student_client.post(edit_url(application), {"name": "改过的名字"})
    application.refresh_from_db()
    assert application.name == "改过的名字"


def test_completeness_card_names_what_is_missing(student_client, make_draft):
    application = make_draft(complete=False)
    page = student_client.get(edit_url(application)).text
    assert "请上传中英文成绩单（附件）。" in page
    assert "请选择是否已办理护照。" in page

    complete = make_draft()  # another program, complete
    page = student_client.get(edit_url(complete)).text
    assert "信息已填写完整，可以提交。" in page


def test_another_students_draft_is_404_on_every_method(client, make_draft):
    application = make_draft(complete=False)
    other = StudentProfileFactory().user
    client.force_login(other)
    assert client.get(edit_url(application)).status_code == 404
    assert client.post(edit_url(application), {"name_en": "Mallory"}).status_code == 404
    application.refresh_from_db()
    assert application.name_en == ""


def test_anonymous_edit_is_sent_to_login(client, make_draft):
    application = make_draft(complete=False)
    response = client.post(edit_url(application), {"name_en": "X"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_submitted_application_refuses_edits_whatever_the_client_sends(
    student_client, make_submitted
):
    application = make_submitted()
    response = student_client.post(
        edit_url(application), {"action": "save", "name_en": "Changed"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[application.pk])
    assert "不能再修改" in response.text
    application.refresh_from_db()
    assert application.name_en == "Zhang Xiaoming"

    response = student_client.get(edit_url(application))
    assert response.status_code == 302


def test_passport_fields_alone_use_the_saved_answer(student_client, make_draft):
    application = make_draft(complete=False, has_passport=True)
    response = student_client.post(edit_url(application), {"passport_number": "G7654321"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.has_passport, application.passport_number) == (True, "G7654321")


def test_removing_a_file_that_is_not_in_the_form_says_nothing_was_deleted(
    student_client, make_draft
):
    from apps.applications import services
    from apps.attachments.models import Attachment, AttachmentKind
    from tests.builders import checked

    application = make_draft(complete=False)
    services.save_draft(
        application=application,
        user=application.student,
        changes={},
        new_files=[checked(AttachmentKind.TRANSCRIPT)],
    )
    # A score proof belongs to another page: the form cannot remove it.
    proof = Attachment.objects.create(
        application=application,
        kind=AttachmentKind.SCORE_PROOF,
        file="attachments/x",
        original_name="proof.pdf",
        size=1,
        content_type="application/pdf",
    )

    response = student_client.post(edit_url(application), {"remove": str(proof.pk)}, follow=True)

    assert Attachment.objects.filter(pk=proof.pk).exists()
    assert "文件已删除" not in response.text
    assert "已保存" in response.text


def test_an_invalid_value_from_the_directory_is_not_locked(client):
    """Locked and invalid, it would block 提交 for good: the student may correct it."""
    profile = StudentProfileFactory(phone="(010)62751234", ldap_fields=["name", "phone"])
    client.force_login(profile.user)
    from tests.factories import ProgramFactory

    client.post(reverse("applications:start", args=[ProgramFactory().pk]))
    application = Application.objects.get(student=profile.user)
    form = client.get(edit_url(application)).context["form"]
    assert form.fields["name"].disabled
    assert not form.fields["phone"].disabled

    client.post(edit_url(application), {"phone": "010-62751234"})
    application.refresh_from_db()
    assert application.phone == "010-62751234"


def test_a_save_asks_the_database_nothing_to_check_the_passport_rule(student_client, make_draft):
    """The passport rule is the form's own; Django would check it with a query per save."""
    application = make_draft(complete=False)
    data = {"action": "save", "has_passport": "False", "passport_number": "E1234"}

    with CaptureQueriesContext(connection) as queries:
        response = student_client.post(edit_url(application), data)

    assert response.status_code == 302
    assert not [q for q in queries.captured_queries if '"_check"' in q["sql"]]
    application.refresh_from_db()
    assert (application.has_passport, application.passport_number) == (False, "")


@pytest.mark.django_db(transaction=True)
def test_a_save_of_a_row_said_to_be_locked_outside_any_transaction_is_refused(make_draft):
    from apps.applications import services

    application = make_draft(phone="010-11111111")
    with pytest.raises(RuntimeError):
        services.save_draft(
            application=application,
            user=application.student,
            changes={"phone": "010-22222222"},
            locked=True,
        )
    application.refresh_from_db()
    assert application.phone == "010-11111111"


def test_a_save_keeps_what_another_tab_saved_in_fields_it_did_not_send(student_client, make_draft):
    # The row is read once, locked: the form's copy gets the posted fields, the rest of
    # the row stays as the other tab left it.
    application = make_draft(phone="010-11111111", major="数学")
    Application.objects.filter(pk=application.pk).update(major="物理")
    response = student_client.post(edit_url(application), {"phone": "010-22222222"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.phone, application.major) == ("010-22222222", "物理")


@pytest.mark.django_db(transaction=True)
def test_the_posted_body_is_read_before_the_row_is_locked(student_client, make_draft, monkeypatch):
    # A slow upload must hold neither the row's lock nor an open transaction.
    from django.http import HttpRequest

    application = make_draft()
    in_transaction = []
    read = HttpRequest._load_post_and_files

    def spy(request):
        in_transaction.append(connection.in_atomic_block)
        return read(request)

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", spy)
    response = student_client.post(edit_url(application), {"phone": "010-33333333"})
    assert response.status_code == 302
    assert in_transaction == [False]
    application.refresh_from_db()
    assert application.phone == "010-33333333"
