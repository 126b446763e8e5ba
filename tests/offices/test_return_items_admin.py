"""退回修改 in admin: the clerk ticks the fields and files to fix on one application's
confirmation page; a batch return keeps the overall comment only; on resubmission the
change page shows 退回后的修改, old and new side by side, old file versions for staff."""

import pytest
from django.urls import reverse

from apps.applications.models import ReturnItem, Status
from tests.builders import returned_and_fixed
from tests.offices.test_review_admin import CHANGELIST

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def return_url(application):
    return reverse("admin:applications_application_review", args=[application.pk, "return"])


def change_url(application):
    return reverse("admin:applications_application_change", args=[application.pk])


def test_the_return_page_offers_each_field_and_slot_the_student_can_change(
    clerk_client, make_submitted
):
    application = make_submitted(phone="13812345678")
    page = clerk_client.get(return_url(application))
    assert page.status_code == 200
    assert "需修改的内容" in page.text
    for key in ("phone", "passport_number", "transcript", "enrollment", "language"):
        assert f'value="{key}"' in page.text and f'name="note_{key}"' in page.text
    assert "13812345678" in page.text, "the clerk sees what the student filled in now"
    # Not offered: what the student does not change on the form.
    assert 'value="score_proof"' not in page.text and 'value="status"' not in page.text


def test_other_decisions_have_no_items(clerk_client, make_submitted):
    page = clerk_client.get(
        reverse("admin:applications_application_review", args=[make_submitted().pk, "reject"])
    )
    assert 'name="items"' not in page.text


def test_ticking_two_items_returns_with_their_notes(clerk_client, make_submitted):
    application = make_submitted()
    response = clerk_client.post(
        return_url(application),
        {
            "comment": "请按说明修改。",
            "items": ["phone", "transcript"],
            "note_phone": "请填写本人手机号。",
            "note_transcript": "请上传最新成绩单。",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    ticked = ReturnItem.objects.filter(application=application, requested=True)
    assert {i.key: i.note for i in ticked} == {
        "phone": "请填写本人手机号。",
        "transcript": "请上传最新成绩单。",
    }


@pytest.mark.parametrize(
    "data, error",
    [
        ({"items": ["phone"]}, "已勾选，请填写修改说明。"),
        ({"note_phone": "改一下"}, "填写了修改说明，请同时勾选这一项。"),
        ({"items": ["status"]}, "不是学生可以在报名表中修改的内容"),
        ({"items": ["phone"], "note_phone": "x" * 201}, "200"),
    ],
)
def test_a_wrong_item_is_refused_beside_it_and_nothing_is_decided(
    clerk_client, make_submitted, data, error
):
    application = make_submitted()
    page = clerk_client.post(return_url(application), {"comment": "请修改。", **data})
    assert page.status_code == 200
    assert error in page.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_batch_return_carries_the_comment_only(clerk_client, make_submitted):
    application = make_submitted()
    data = {"action": "return_selected", "_selected_action": [application.pk]}
    page = clerk_client.post(reverse(CHANGELIST), data)
    assert 'name="items"' not in page.text
    clerk_client.post(reverse(CHANGELIST), {**data, "apply": "1", "comment": "请补充材料。"})
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert not ReturnItem.objects.filter(application=application, requested=True).exists()


def test_after_resubmission_the_change_page_shows_what_changed(clerk_client, clerk, make_submitted):
    application, old = returned_and_fixed(
        make_submitted(phone="13812345678"),
        clerk,
        {"phone": "请填写本人手机号。", "transcript": "请上传最新成绩单。"},
        changes={"phone": "13900000000"},
    )

    page = clerk_client.get(change_url(application))
    assert "退回后的修改" in page.text
    assert "<del>13812345678</del>" in page.text and "<ins>13900000000</ins>" in page.text
    assert "请上传最新成绩单。" in page.text
    assert "需修改的内容：" in page.text, "the history names the items too"
    old_url = reverse("applications:attachment", args=[application.pk, old.pk])
    assert old_url in page.text and "已被替换，旧版本" in page.text
    download = clerk_client.get(old_url)
    assert download.status_code == 200
    # The 附件 section lists only the current files.
    assert page.text.count(old_url) == 1


def test_no_diff_on_an_application_never_returned(clerk_client, make_submitted):
    page = clerk_client.get(change_url(make_submitted()))
    assert "退回后的修改" not in page.text
