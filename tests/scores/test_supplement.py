"""补录分数: once, on a submitted or approved application whose score was left blank."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.applications.models import Application, EventKind, Status
from apps.applications.services import ApplicationError, save_draft, submit_application
from apps.attachments.models import AttachmentKind
from apps.scores.models import ScoreSupplement
from apps.scores.services import supplement_score
from tests.builders import checked
from tests.factories import UserFactory
from tests.samples import image_bytes, upload

pytestmark = pytest.mark.django_db


def url(application):
    return reverse("scores:supplement", args=[application.pk])


def detail(application):
    return reverse("applications:detail", args=[application.pk])


def post(client, application, **data):
    return client.post(url(application), {"language_test": "ielts", "language_score": "7", **data})


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def submitted(make_submitted):
    return make_submitted()  # no score: the builders' COMPLETE leaves it blank


# --- The button and the dialog ----------------------------------------------------------


def test_details_and_list_offer_补录分数_with_a_dialog_that_warns_it_is_once_only(
    student_client, submitted
):
    for page in [detail(submitted), reverse("applications:list")]:
        html = student_client.get(page).text
        assert "补录分数" in html
        assert f'data-bs-target="#score-dialog-{submitted.pk}"' in html
        assert "补录外语分数" in html
        assert "只能补录一次" in html and "无法修改" in html
        assert "确认" in html
        assert f'action="{url(submitted)}"' in html


def test_each_dialog_on_the_list_has_its_own_field_ids_in_the_pages_language(
    student_client, make_submitted
):
    first, second = make_submitted(), make_submitted()
    html = student_client.get(reverse("applications:list")).text
    for application in (first, second):
        for field in ("language_test", "language_score", "proof"):
            field_id = f"id_score{application.pk}_{field}"
            assert html.count(f'id="{field_id}"') == 1
            assert f'for="{field_id}"' in html
    assert "__score_pk__" not in html

    student_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = student_client.get(reverse("applications:list")).text
    assert "Foreign-language test" in html
    assert "外语考试类型" not in html


def test_without_javascript_the_button_leads_to_the_same_form_as_a_page(student_client, submitted):
    response = student_client.get(url(submitted))

    assert response.status_code == 200
    assert "补录外语分数" in response.text
    assert "只能补录一次" in response.text


# --- Supplementing ----------------------------------------------------------------------


def test_confirming_stores_the_score_for_good_and_the_button_disappears(
    student_client, student, submitted
):
    response = post(student_client, submitted, language_score="6.5")

    assert response.status_code == 302
    assert response["Location"] == detail(submitted)
    assert messages_of(response) == ["外语成绩已补录：雅思 IELTS 6.5。"]
    submitted.refresh_from_db()
    assert (submitted.language_test, submitted.language_score) == ("ielts", Decimal("6.5"))
    supplement = ScoreSupplement.objects.get(application=submitted)
    assert supplement.created_by == student
    event = submitted.events.get(kind=EventKind.SCORE)
    assert (event.actor, event.headline) == (student, "补录分数：雅思 IELTS 6.5")
    for page in [detail(submitted), reverse("applications:list")]:
        html = student_client.get(page).text
        assert "score-dialog" not in html
        assert "补录分数</a>" not in html
    assert "6.5" in student_client.get(detail(submitted)).text


def test_an_approved_application_may_supplement_too(student_client, make_approved):
    application = make_approved()

    assert post(student_client, application).status_code == 302

    application.refresh_from_db()
    assert application.language_score == Decimal("7")
    assert application.status == Status.APPROVED


def test_a_proof_file_is_kept_as_the_score_proof(student_client, submitted):
    png = image_bytes("PNG")

    post(student_client, submitted, proof=upload(png, "成绩截图.png"))

    proof = submitted.attachments.get(kind=AttachmentKind.SCORE_PROOF)
    assert proof.original_name == "成绩截图.png"
    assert proof.file.read() == png


def test_a_bad_proof_file_refuses_everything_with_a_message(student_client, submitted):
    response = post(student_client, submitted, proof=upload(b"<html>", "成绩.pdf"))

    assert response.status_code == 200
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.text
    submitted.refresh_from_db()
    assert submitted.language_score is None
    assert not ScoreSupplement.objects.exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"language_score": "65"}, "language_score", "雅思 IELTS 的成绩应在 0 到 9 之间。"),
        ({"language_test": ""}, "language_test", None),
        ({"language_score": ""}, "language_score", None),
        ({"language_score": "abc"}, "language_score", None),
        ({"language_score": "-1"}, "language_score", None),
        ({"language_test": "klingon"}, "language_test", None),
    ],
)
def test_bad_values_are_shown_on_the_form_and_nothing_is_stored(
    student_client, submitted, data, field, message
):
    response = post(student_client, submitted, **data)

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and (message is None or message in errors)
    submitted.refresh_from_db()
    assert submitted.language_score is None


# --- Refusals -----------------------------------------------------------------------------


def test_an_application_submitted_with_a_score_cannot_supplement(
    student_client, student, make_draft
):
    draft = make_draft(language_test="toefl", language_score=Decimal("100"))
    save_draft(
        application=draft, user=student, changes={}, new_files=[checked(AttachmentKind.LANGUAGE)]
    )
    application = submit_application(application=draft, user=student)

    assert "score-dialog" not in student_client.get(detail(application)).text
    response = post(student_client, application)

    assert response.status_code == 302
    assert messages_of(response) == ["外语成绩已经填写或补录过，只能补录一次，确认后不能修改。"]
    application.refresh_from_db()
    assert (application.language_test, application.language_score) == ("toefl", 100)
    assert not ScoreSupplement.objects.exists()


def test_supplementing_twice_is_refused_and_the_first_score_stays(student_client, submitted):
    post(student_client, submitted, language_score="7")

    response = post(student_client, submitted, language_score="8.5")

    assert "只能补录一次" in messages_of(response)[-1]
    submitted.refresh_from_db()
    assert submitted.language_score == Decimal("7")
    assert ScoreSupplement.objects.get().score == Decimal("7")
    assert submitted.events.filter(kind=EventKind.SCORE).count() == 1


def test_a_draft_cannot_supplement(student_client, make_draft):
    draft = make_draft()

    response = post(student_client, draft)

    assert "只有待审核或审核通过的申请可以补录分数" in messages_of(response)[-1]
    draft.refresh_from_db()
    assert draft.language_score is None


@pytest.mark.parametrize("status", [Status.RETURNED, Status.REJECTED, Status.WITHDRAWN])
def test_other_states_cannot_supplement(student_client, submitted, status):
    Application.objects.filter(pk=submitted.pk).update(status=status)

    response = post(student_client, submitted)

    assert response.status_code == 302
    assert not ScoreSupplement.objects.exists()


def test_another_students_application_is_404(client, submitted):
    client.force_login(UserFactory())

    assert post(client, submitted).status_code == 404
    assert client.get(url(submitted)).status_code == 404


def test_the_service_refuses_a_second_supplement_even_with_a_stale_object(submitted, student):
    stale = Application.objects.get(pk=submitted.pk)
    supplement_score(application=submitted, user=student, language_test="ielts", score=7)

    with pytest.raises(ApplicationError, match="只能补录一次"):
        supplement_score(application=stale, user=student, language_test="ielts", score=8)


def test_the_service_refuses_a_score_the_test_cannot_give_and_names_the_field(submitted, student):
    with pytest.raises(ApplicationError) as raised:
        supplement_score(application=submitted, user=student, language_test="ielts", score=10)

    message = "雅思 IELTS 的成绩应在 0 到 9 之间。"
    assert (str(raised.value), raised.value.problems) == (message, {"language_score": message})
    assert not ScoreSupplement.objects.exists()


def test_the_service_refuses_with_its_reason_when_a_writer_without_the_lock_got_there_first(
    submitted, student
):
    # The row still shows no score: only the supplement's one-to-one key stops this one.
    ScoreSupplement.objects.create(
        application=submitted, language_test="toefl", score=Decimal(90), created_by=student
    )

    with pytest.raises(ApplicationError) as raised:
        supplement_score(application=submitted, user=student, language_test="ielts", score=7)

    assert str(raised.value) == "外语成绩已经填写或补录过，只能补录一次，确认后不能修改。"
    submitted.refresh_from_db()
    assert submitted.language_score is None


def test_the_supplement_row_records_the_test_the_score_and_who(submitted, student):
    supplement_score(application=submitted, user=student, language_test="toefl", score=95)

    row = ScoreSupplement.objects.get(application=submitted)
    assert (row.language_test, row.score, row.created_by) == ("toefl", Decimal(95), student)


def test_a_refused_state_is_named_in_the_reason(make_draft, student):
    draft = make_draft()

    with pytest.raises(ApplicationError) as raised:
        supplement_score(application=draft, user=student, language_test="ielts", score=7)

    assert str(raised.value) == "只有待审核或审核通过的申请可以补录分数；这份申请当前为「草稿」。"
