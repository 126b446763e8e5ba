"""Races between tabs, students and clerks, on PostgreSQL with real threads (row locks are
what is tested): through the services and through the real views, each tab a client."""

import os

import pytest
from django.urls import reverse

from apps.applications import services
from apps.applications.models import Application, Notice, Status
from apps.attachments.models import Attachment, AttachmentKind
from tests.builders import checked, form_data, pdf_upload
from tests.concurrency import (
    REVIEWS,
    assert_history_matches,
    on_postgresql,
    posted,
    race,
    review,
    signed_in,
    while_holding,
)

pytestmark = on_postgresql

ROUNDS = 5


def media_files(settings, application):
    media = settings.STORAGES["default"]["OPTIONS"]["location"]
    folder = media / "attachments" / str(application.pk)
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_ten_tabs_submitting_the_same_draft_give_one_submission(make_draft, student):
    draft = make_draft()

    outcomes = race(
        *[lambda: services.submit_application(application=draft, user=student) for _ in range(10)]
    )

    assert [kind for kind, _ in outcomes].count("ok") == 1, outcomes
    assert [kind for kind, _ in outcomes].count("refused") == 9, outcomes
    assert draft.events.filter(to_value=Status.SUBMITTED).count() == 1


def test_two_tabs_clicking_submit_on_the_form_give_one_submission(make_draft, student):
    for _ in range(ROUNDS):
        draft = make_draft()
        url = reverse("applications:edit", args=[draft.pk])
        data = {**form_data(draft), "action": "submit"}

        outcomes = race(*[posted(signed_in(student), url, data) for _ in range(2)])

        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        assert [status for _, (status, _t, _p) in outcomes] == [302, 302], outcomes
        messages = [texts for _, (_s, texts, _p) in outcomes]
        submitted = [any(t.startswith("申请已提交，将由") for t in texts) for texts in messages]
        assert submitted.count(True) == 1, messages
        # The slower tab is told it was already submitted, in words, not with an error page.
        assert sum(any("不能" in t for t in texts) for texts in messages) == 1, messages
        assert draft.events.filter(to_value=Status.SUBMITTED).count() == 1
        assert_history_matches(draft)


def test_a_save_racing_a_submit_loses_no_upload(make_draft, student, settings):
    for _ in range(ROUNDS):
        draft = make_draft()
        upload = checked(AttachmentKind.LANGUAGE, pdf_upload("外语证明.pdf"))

        outcomes = race(
            lambda d=draft, u=upload: services.save_draft(
                application=d, user=student, changes={"major": "数据科学"}, new_files=[u]
            ),
            lambda d=draft: services.submit_application(application=d, user=student),
        )

        assert "crash" not in [kind for kind, _ in outcomes], outcomes
        draft = Application.objects.get(pk=draft.pk)
        assert draft.status == Status.SUBMITTED
        saved = outcomes[0][0] == "ok"
        stored = Attachment.objects.filter(application=draft, kind=AttachmentKind.LANGUAGE)
        # Either the save came first and is part of what was submitted, or it was refused
        # with a message and left nothing behind.
        assert stored.exists() == saved
        assert (draft.major == "数据科学") == saved
        assert len(media_files(settings, draft)) == draft.attachments.count(), "no orphan files"


def test_a_submit_waits_for_the_save_holding_the_row_and_submits_what_it_saved(
    make_draft, student, monkeypatch
):
    draft = make_draft()
    upload = checked(AttachmentKind.LANGUAGE, pdf_upload("外语证明.pdf"))

    waited, saved, submitted = while_holding(
        monkeypatch,
        services.student,
        lambda: services.save_draft(
            application=draft, user=student, changes={"major": "数据科学"}, new_files=[upload]
        ),
        lambda: services.submit_application(application=draft, user=student),
    )

    assert waited, "the submit waited until the save was committed"
    assert (saved[0], submitted[0]) == ("ok", "ok"), (saved, submitted)
    draft = assert_history_matches(draft)
    assert draft.status == Status.SUBMITTED and draft.major == "数据科学"
    assert draft.attachments.filter(kind=AttachmentKind.LANGUAGE).exists()


def test_a_save_waits_for_the_submit_holding_the_row_and_is_refused(
    make_draft, student, monkeypatch, settings
):
    draft = make_draft()
    upload = checked(AttachmentKind.LANGUAGE, pdf_upload("外语证明.pdf"))

    waited, submitted, saved = while_holding(
        monkeypatch,
        services.student,
        lambda: services.submit_application(application=draft, user=student),
        lambda: services.save_draft(
            application=draft, user=student, changes={"major": "数据科学"}, new_files=[upload]
        ),
    )

    assert waited, "the save waited until the submission was committed"
    assert submitted[0] == "ok" and saved[0] == "refused", (submitted, saved)
    assert "不能再修改" in saved[1]
    draft = Application.objects.get(pk=draft.pk)
    assert draft.major != "数据科学"
    assert not draft.attachments.filter(kind=AttachmentKind.LANGUAGE).exists()
    assert len(media_files(settings, draft)) == draft.attachments.count(), "no orphan files"


def test_a_save_with_an_upload_racing_a_submit_in_another_tab_loses_nothing(
    make_draft, student, settings
):
    for _ in range(ROUNDS):
        draft = make_draft()
        url = reverse("applications:edit", args=[draft.pk])
        saving = {**form_data(draft), "major": "数据科学", "action": "save"}
        saving[AttachmentKind.LANGUAGE] = pdf_upload("外语证明.pdf")
        submitting = {**form_data(draft), "action": "submit"}

        outcomes = race(
            posted(signed_in(student), url, saving), posted(signed_in(student), url, submitting)
        )

        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        (save_status, save_texts, _), (submit_status, _, _) = (o for _, o in outcomes)
        assert (save_status, submit_status) == (302, 302), outcomes
        draft = assert_history_matches(draft)
        assert draft.status == Status.SUBMITTED
        saved = any("已保存" in text for text in save_texts)
        # The save landed before the submit (and was submitted with it), or the student
        # was told the application was already submitted and nothing of it was written.
        assert saved or any("不能再修改" in text for text in save_texts), save_texts
        stored = draft.attachments.filter(kind=AttachmentKind.LANGUAGE)
        assert stored.exists() == saved
        # Each tab posts its whole form, so either page's 专业 may be the last one saved;
        # a refused save wrote none of it.
        assert draft.major in (["数据科学", "软件工程"] if saved else ["软件工程"])
        assert len(media_files(settings, draft)) == draft.attachments.count(), "no orphan files"


@pytest.mark.parametrize("decision", REVIEWS)
def test_a_withdraw_racing_a_review_lets_exactly_one_through(
    make_submitted, student, clerk, decision
):
    for _ in range(ROUNDS):
        application = make_submitted()

        outcomes = race(
            lambda a=application: services.withdraw_application(application=a, user=student),
            lambda a=application: review(decision, a, clerk),
        )

        kinds = [kind for kind, _ in outcomes]
        assert sorted(kinds) == ["ok", "refused"], outcomes
        application = assert_history_matches(application)
        withdrawn = kinds[0] == "ok"
        assert (application.status == Status.WITHDRAWN) == withdrawn
        # The student hears about a decision only if the decision is what happened.
        assert Notice.objects.filter(event__application=application).exists() == (not withdrawn)


def review_url(application, decision):
    return reverse("admin:applications_application_review", args=[application.pk, decision])


@pytest.mark.parametrize(
    "first, second", [("approve", "reject"), ("return", "approve"), ("reject", "return")]
)
def test_two_clerks_deciding_the_same_application_at_once(
    make_submitted, make_clerk, first, second
):
    clerks = [make_clerk(username="clerk-one"), make_clerk(username="clerk-two")]
    for _ in range(ROUNDS):
        application = make_submitted()
        comment = {"comment": "请补充材料后再提交"}

        outcomes = race(
            posted(signed_in(clerks[0]), review_url(application, first), comment),
            posted(signed_in(clerks[1]), review_url(application, second), comment),
        )

        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        assert [status for _, (status, _t, _p) in outcomes] == [302, 302], outcomes
        messages = [texts for _, (_s, texts, _p) in outcomes]
        done = [i for i, texts in enumerate(messages) if any("已处理" in t for t in texts)]
        refused = [i for i, texts in enumerate(messages) if any("未处理" in t for t in texts)]
        assert len(done) == len(refused) == 1, messages
        application = assert_history_matches(application)
        assert application.status == Status(
            {"approve": Status.APPROVED, "reject": Status.REJECTED, "return": Status.RETURNED}[
                (first, second)[done[0]]
            ]
        )
        # The loser reads what happened meanwhile: the state the application is in now.
        [message] = [t for t in messages[refused[0]] if "未处理" in t]
        assert f"当前为「{application.get_status_display()}」" in message, message
        assert application.events.filter(from_value=Status.SUBMITTED).count() == 1
