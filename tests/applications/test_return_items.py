"""退回修改 that says exactly what to fix: the ticked items, the student's answers, the
guard on 提交, the versions of replaced files and what the office sees changed."""

import re

import pytest
from auditlog.models import LogEntry
from django.core import mail

from apps.applications import services
from apps.applications.models import ReturnItem, Status
from apps.attachments.models import Attachment, AttachmentKind
from tests.builders import checked, passport

pytestmark = pytest.mark.django_db

ITEMS = {"phone": "请填写本人常用手机号。", AttachmentKind.TRANSCRIPT: "请上传本学期最新成绩单。"}


@pytest.fixture
def returned(make_submitted, clerk):
    application = make_submitted()
    return services.return_application(
        application=application, actor=clerk, comment="请按说明修改。", items=ITEMS
    )


def _submit(application):
    return services.submit_application(application=application, user=application.student)


def _transcript_ids(application):
    return list(
        application.attachments.filter(kind=AttachmentKind.TRANSCRIPT).values_list("pk", flat=True)
    )


def test_a_return_records_each_ticked_item_with_its_note_and_the_value_then(returned):
    event = returned.events.last()
    ticked = {i.key: i for i in ReturnItem.objects.filter(event=event, requested=True)}
    assert {key: item.note for key, item in ticked.items()} == ITEMS
    assert ticked["phone"].old_value == returned.phone
    # Every other returnable item is remembered too, unticked, for the office's diff.
    assert ReturnItem.objects.filter(event=event, requested=False).count() > 10


def test_the_old_values_are_encrypted_at_rest(make_submitted, clerk):
    from django.db import connection

    application = make_submitted(**passport())
    services.return_application(
        application=application,
        actor=clerk,
        comment="护照号码有误。",
        items={"passport_number": "请核对护照号码。"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT old_value FROM applications_returnitem")
        stored = [row[0] for row in cursor.fetchall()]
    assert all("E12345678" not in value for value in stored)
    item = ReturnItem.objects.get(key="passport_number")
    assert item.old_value == "E12345678"


@pytest.mark.parametrize(
    "items, message",
    [
        ({"status": "改成通过"}, "不是学生可以在报名表中修改的内容"),
        ({"score_proof": "补录"}, "不是学生可以在报名表中修改的内容"),
        ({"phone": "  "}, "请填写「手机号码」的修改说明"),
        ({"phone": "x" * 201}, "最多 200 个字"),
        ({"phone": "换\x00行"}, "控制字符"),
    ],
)
def test_a_return_refuses_items_the_student_cannot_change_or_without_a_note(
    make_submitted, clerk, items, message
):
    application = make_submitted()
    with pytest.raises(services.ApplicationError) as refused:
        services.return_application(
            application=application, actor=clerk, comment="请修改。", items=items
        )
    assert message in refused.value.message
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not ReturnItem.objects.exists()


def test_fields_the_directory_supplied_cannot_be_ticked(make_submitted, clerk, student):
    profile = student.profile
    profile.ldap_fields = ["name"]
    profile.save()
    application = make_submitted()
    assert "name" not in services.returnable_keys(application)
    with pytest.raises(services.ApplicationError):
        services.return_application(
            application=application, actor=clerk, comment="请修改。", items={"name": "改名"}
        )


def test_a_return_without_items_still_works_with_the_comment_only(make_submitted, clerk):
    application = services.return_application(
        application=make_submitted(), actor=clerk, comment="请修改。"
    )
    assert application.status == Status.RETURNED
    assert application.open_return_items() == []
    assert _submit(application).status == Status.SUBMITTED


def test_submit_is_refused_until_each_ticked_item_is_changed_or_answered(returned):
    with pytest.raises(services.ApplicationError) as refused:
        _submit(returned)
    assert set(refused.value.problems) == {"phone", AttachmentKind.TRANSCRIPT}
    assert "待修改" in refused.value.problems["phone"]

    # The phone changed; the transcript answered instead of replaced.
    services.save_draft(
        application=returned,
        user=returned.student,
        changes={"phone": "13900000000"},
        replies={AttachmentKind.TRANSCRIPT: "成绩单已是最新版本"},
    )
    returned.refresh_from_db()
    states = {s["item"].key: s for s in returned.return_item_states()}
    assert states["phone"]["changed"] and states["phone"]["resolved"]
    assert not states[AttachmentKind.TRANSCRIPT]["changed"]
    assert states[AttachmentKind.TRANSCRIPT]["resolved"]
    assert _submit(returned).status == Status.SUBMITTED


def test_changing_a_value_back_to_the_old_one_blocks_again(returned):
    old = returned.phone
    services.save_draft(application=returned, user=returned.student, changes={"phone": "1"})
    services.save_draft(application=returned, user=returned.student, changes={"phone": old})
    returned.refresh_from_db()
    assert "phone" in returned.submission_problems()


def test_a_replaced_file_is_kept_as_an_old_version_out_of_every_student_list(returned):
    old_ids = _transcript_ids(returned)
    services.save_draft(
        application=returned,
        user=returned.student,
        changes={"phone": "13900000000"},
        remove_ids=old_ids,
        new_files=[checked(AttachmentKind.TRANSCRIPT)],
    )
    returned.refresh_from_db()
    new_ids = _transcript_ids(returned)
    assert new_ids and set(new_ids).isdisjoint(old_ids)
    old = Attachment.versions.get(pk=old_ids[0])
    assert old.superseded_at is not None and old.file.storage.exists(old.file.name)
    assert not Attachment.objects.filter(pk__in=old_ids).exists()
    assert "transcript" not in returned.submission_problems()
    assert _submit(returned).status == Status.SUBMITTED


def test_a_draft_removes_its_files_for_good(make_draft):
    draft = make_draft()
    ids = _transcript_ids(draft)
    services.save_draft(application=draft, user=draft.student, changes={}, remove_ids=ids)
    assert not Attachment.versions.filter(pk__in=ids).exists()


def test_the_office_sees_what_changed_since_the_return(returned):
    old_phone = returned.phone
    old_ids = _transcript_ids(returned)
    services.save_draft(
        application=returned,
        user=returned.student,
        changes={"phone": "13900000000", "major": "数学"},
        remove_ids=old_ids,
        new_files=[checked(AttachmentKind.TRANSCRIPT)],
    )
    _submit(returned)
    returned.refresh_from_db()
    changes = services.changes_since_return(returned)
    rows = {row["item"].key: row for row in changes["rows"]}
    assert changes["resubmitted"]
    assert (rows["phone"]["old"], rows["phone"]["new"]) == (old_phone, "13900000000")
    assert rows["phone"]["requested"] and rows["phone"]["changed"]
    # A change nobody asked for is listed too, after the asked ones.
    assert rows["major"]["changed"] and not rows["major"]["requested"]
    assert [r["requested"] for r in changes["rows"]] == [True, True, False]
    slot = rows[AttachmentKind.TRANSCRIPT]
    assert [f.pk for f in slot["old_files"]] == old_ids
    assert slot["old_files"][0].superseded_at is not None
    assert [f.kind for f in slot["new_files"]] == [AttachmentKind.TRANSCRIPT]


def test_the_history_the_audit_log_and_the_email_name_the_items(
    make_submitted, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.return_application(
            application=make_submitted(), actor=clerk, comment="请按说明修改。", items=ITEMS
        )
    event = returned.events.last()
    assert [i.key for i in event.requested_return_items] == ["phone", AttachmentKind.TRANSCRIPT]
    entry = LogEntry.objects.get_for_object(returned).order_by("-timestamp").first()
    assert [i["key"] for i in entry.additional_data["return_items"]] == list(ITEMS)
    assert "请上传本学期最新成绩单。" in entry.additional_data["summary"]
    body = mail.outbox[-1].body
    assert "需修改的内容" in body
    assert "手机号码：请填写本人常用手机号。" in body
    assert "中英文成绩单（附件）：请上传本学期最新成绩单。" in body


def test_a_reply_is_recorded_in_the_audit_log(returned):
    services.save_draft(
        application=returned, user=returned.student, changes={}, replies={"phone": "号码没有变"}
    )
    item = ReturnItem.objects.get(key="phone", requested=True)
    assert item.reply == "号码没有变"
    assert LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.UPDATE).exists()


def test_a_reply_too_long_is_refused_and_nothing_is_saved(returned):
    with pytest.raises(services.ApplicationError) as refused:
        services.save_draft(
            application=returned,
            user=returned.student,
            changes={"major": "物理"},
            replies={"phone": "长" * 201},
        )
    assert "最多 200 个字" in refused.value.message
    assert ReturnItem.objects.get(key="phone", requested=True).reply == ""


# --- The student's pages ---------------------------------------------------------------


def _edit(client, application, **data):
    from django.urls import reverse

    return client.post(reverse("applications:edit", args=[application.pk]), data)


def test_the_form_shows_each_note_beside_its_field_linked_for_screen_readers(
    student_client, returned
):
    from django.urls import reverse

    page = student_client.get(reverse("applications:edit", args=[returned.pk])).text
    assert 'id="return-note-phone"' in page and "请填写本人常用手机号。" in page
    assert 'id="return-note-transcript"' in page and "请上传本学期最新成绩单。" in page
    phone = r'<input[^>]*aria-describedby="[^"]*return-note-phone"[^>]*id="id_phone"'
    assert re.search(phone, page)
    assert re.search(r'id="id_transcript"[^>]*aria-describedby="[^"]*return-note-transcript"', page)
    # The progress card lists both, with their state in words.
    card = page.split('class="list-unstyled small mb-3 return-item-progress"')[1].split("</ul>")[0]
    assert card.count("待修改") == 2


def test_a_reply_is_saved_from_the_form_and_unblocks_the_item(student_client, returned):
    response = _edit(
        student_client,
        returned,
        action="save",
        reply_transcript="成绩单已是最新版本",
        phone="13900000000",
    )
    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.submission_problems() == {}
    page = student_client.get(response.url).text
    assert "已回复" in page and "已修改" in page and 'value="成绩单已是最新版本"' in page


def test_a_refused_reply_is_shown_beside_it_and_the_rest_is_saved(student_client, returned):
    response = _edit(
        student_client, returned, action="save", reply_transcript="长" * 201, major="数学"
    )
    assert response.status_code == 200
    assert 'id="id_reply_transcript_error"' in response.text
    returned.refresh_from_db()
    assert returned.major == "数学"
    assert ReturnItem.objects.get(key="transcript", requested=True).reply == ""


def test_the_details_page_and_its_history_list_the_items(student_client, returned):
    from django.urls import reverse

    page = student_client.get(reverse("applications:detail", args=[returned.pk])).text
    assert page.count("手机号码：请填写本人常用手机号。") == 2  # the notice and the history


def test_the_old_version_is_not_the_students_to_download(student_client, returned):
    from django.urls import reverse

    old = returned.attachments.get(kind=AttachmentKind.TRANSCRIPT)
    services.save_draft(
        application=returned, user=returned.student, changes={}, remove_ids=[old.pk]
    )
    url = reverse("applications:attachment", args=[returned.pk, old.pk])
    assert student_client.get(url).status_code == 404


def test_my_data_lists_the_items_and_replies_but_not_the_old_versions(student_client, returned):
    import io
    import json
    import zipfile

    from django.urls import reverse

    old = returned.attachments.get(kind=AttachmentKind.TRANSCRIPT)
    services.save_draft(
        application=returned,
        user=returned.student,
        changes={},
        remove_ids=[old.pk],
        new_files=[checked(AttachmentKind.TRANSCRIPT)],
        replies={"phone": "号码没有变"},
    )
    response = student_client.get(reverse("accounts:my_data"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("我的数据.json"))
    [entry] = data["applications"]
    [returned_event] = [e for e in entry["history"] if e["return_items"]]
    assert {"item": "手机号码", "note": ITEMS["phone"], "reply": "号码没有变"} in (
        returned_event["return_items"]
    )
    assert old.pk not in [a.get("id") for a in entry["attachments"]]
    assert len([a for a in entry["attachments"] if a["kind"] == "transcript"]) == 1


def test_the_retention_purge_reaches_old_versions_too(returned):
    from datetime import timedelta

    from django.utils import timezone

    from apps.operations.retention import purge_attachments

    old = returned.attachments.get(kind=AttachmentKind.TRANSCRIPT)
    services.save_draft(
        application=returned, user=returned.student, changes={}, remove_ids=[old.pk]
    )
    result = purge_attachments(cutoff=timezone.now() + timedelta(days=1))
    assert old.pk in [a.pk for a in result.purged]
    old = Attachment.versions.get(pk=old.pk)
    assert old.is_purged and old.is_superseded
