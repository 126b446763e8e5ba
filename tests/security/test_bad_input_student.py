"""Generated bad input posted to every form and action a student (or anyone) can reach.

Each test is one database test; Hypothesis runs 200 examples through the real URL,
middleware, form, view and service, and rolls each example back. Whatever is sent:
no server error, a message in the page's language, and nothing half-written.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from apps.accounts import calendar_feeds
from apps.accounts.models import CalendarFeed, StudentProfile
from apps.applications import services
from apps.applications.models import Application, ApplicationEvent, LanguageTest, Notice
from apps.attachments.models import Attachment
from apps.core.validators import plain_text
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary
from tests.builders import office_admin

from .fuzz import (
    check_answer,
    choice,
    day,
    form_body,
    has_error,
    languages,
    number,
    personal_fields,
    post,
    post_form,
    rolled_back,
    rows,
    speak,
    text,
    url_part,
    urlencoded,
)

pytestmark = [pytest.mark.django_db, pytest.mark.badinput]

PERSONAL = personal_fields()
APPLICATION = {
    **PERSONAL,
    "language_test": choice(*LanguageTest.values),
    "language_score": number,
    "has_passport": choice("True", "False"),
    "passport_number": text,
    "passport_expiry": day,
    "action": choice("save", "submit"),
    "remove": number,
}
# A primary key in a URL: ours, someone else's, or far outside any integer column.
pks = st.one_of(st.integers(0, 10), st.integers(2**31 - 2, 2**31 + 2), st.integers(0, 10**30))


# --- Sign-in, language, profile -----------------------------------------------------


@given(body=form_body({"username": text, "password": text, "next": text}), language=languages)
@example(body=[("username", "a\x00b"), ("password", "x")], language="zh-hans")
# regression: a 学号 longer than the lockout's record crashed PostgreSQL (axes stores it)
@example(body=[("username", "x" * 300), ("password", "x")], language="en")
def test_sign_in_refuses_anything_with_a_message(client, student, body, language):
    users = get_user_model().objects.count()
    with rolled_back():
        speak(client, language)
        response = post(client, reverse("accounts:login"), body)
        if response is None:
            return
        check_answer(response, language, body, statuses=(200,))
        assert "_auth_user_id" not in client.session
        assert get_user_model().objects.count() == users


@given(body=form_body({"language": choice("en", "zh-hans"), "next": text}), language=languages)
def test_language_switch_takes_only_known_languages(student_client, student, body, language):
    with rolled_back():
        speak(student_client, language)
        response = post(student_client, reverse("set_language"), body)
        if response is None:
            return
        # The switch answers with a redirect back; the page then speaks the language.
        check_answer(response, language, body, statuses=(302,), need_message=False)
        assert StudentProfile.objects.get(user=student).language in ("zh-hans", "en")


@given(body=form_body(PERSONAL), language=languages)
@example(body=[], language="zh-hans")  # regression: the page came back without a word
@example(body=[("name_en", "Zhang\x1b[31m")], language="en")  # regression: stored, broke exports
def test_profile_refuses_bad_values_and_keeps_the_saved_ones(student_client, body, language):
    post_form(student_client, reverse("accounts:profile"), body, language, [StudentProfile])


# --- 日历订阅: the profile's two buttons and the feed's secret address -------------------


@given(
    action=st.sampled_from(["accounts:calendar_issue", "accounts:calendar_revoke"]),
    body=form_body({"token": text, "x": text}),
    language=languages,
)
def test_calendar_buttons_ignore_whatever_is_posted(
    student_client, student, action, body, language
):
    with rolled_back():
        speak(student_client, language)
        response = post(student_client, reverse(action), body)
        if response is None:
            return
        check_answer(response, language, body, statuses=(200, 302), need_message=False)
        # Only ever the student's own feed, and no address but the one generated.
        assert CalendarFeed.objects.exclude(user=student).count() == 0


@given(token=text, language=languages)
@example(token="a" * 44, language="zh-hans")  # one character too many
@example(token="ä" * 43, language="zh-hans")  # the right length, not ASCII
@example(token="../../accounts/profile/" + "a" * 20, language="en")  # a path trick
@example(token="%2e%2e%2f" * 5, language="en")
@example(token="A" * 100_000, language="en")
def test_calendar_feed_refuses_any_other_token_with_404(client, student, token, language):
    real = calendar_feeds.issue(student)
    with rolled_back():
        speak(client, language)
        url = f"/calendar/{url_part(token)}.ics"
        response = client.get(url)
        assert response.status_code == 404 or token == real
        assert b"BEGIN:VCALENDAR" not in response.content


# --- The application ------------------------------------------------------------------


@given(pk=pks, body=form_body({"x": text}), language=languages)
def test_apply_with_any_program_number(student_client, program, pk, body, language):
    with rolled_back():
        speak(student_client, language)
        url = (
            f"/programs/{pk}/apply/"
            if pk != 1
            else reverse("applications:start", args=[program.pk])
        )
        response = post(student_client, url, body)
        if response is None:
            return
        if response.status_code == 404:
            return
        check_answer(response, language, body, statuses=(302,))


@given(body=form_body(APPLICATION), language=languages)
def test_application_form_keeps_no_refused_value(student_client, draft, body, language):
    url = reverse("applications:edit", args=[draft.pk])
    with rolled_back():
        speak(student_client, language)
        before = Application.objects.get(pk=draft.pk)
        response = post(student_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        after = Application.objects.get(pk=draft.pk)
        form = response.context["form"] if response.status_code == 200 else None
        errors = form.errors.get_json_data() if form is not None else {}
        # A refused 提交 marks what is still missing beside its field too: a blank that was
        # saved, not a value that was refused.
        missing = response.context["problems"] if form is not None else {}
        for name, messages in errors.items():
            if name in APPLICATION and [m["message"] for m in messages] != [missing.get(name)]:
                assert getattr(after, name) == getattr(before, name), name
        if after.has_passport is not True:
            assert (after.passport_number, after.passport_expiry) == ("", None)
        for name in ("name", "name_en", "school", "major", "passport_number"):
            plain_text(getattr(after, name))  # what is stored can be exported and printed


@pytest.fixture
def returned(submitted):
    return services.return_application(
        application=submitted,
        actor=office_admin(),
        comment="请修改。",
        items={"phone": "请填写本人手机号。", "transcript": "请上传最新成绩单。"},
    )


@given(
    body=form_body(
        {
            "reply_phone": text,
            "reply_transcript": text,
            "reply_status": text,
            "phone": text,
            "action": choice("save", "submit"),
        }
    ),
    language=languages,
)
@example(body=[("reply_phone", "号码\x00没变"), ("action", "save")], language="zh-hans")
@example(body=[("reply_transcript", "长" * 201), ("action", "submit")], language="en")
def test_return_replies_are_kept_whole_or_refused(student_client, returned, body, language):
    """回复说明 to a 退回修改: stored as plain text within 200 characters, or refused with
    a message and the replies left as they were."""
    from apps.applications.models import ReturnItem

    url = reverse("applications:edit", args=[returned.pk])
    with rolled_back():
        speak(student_client, language)
        response = post(student_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        replies = ReturnItem.objects.filter(application=returned, requested=True)
        if response.status_code == 200 and has_error(response):
            form = response.context.get("replies_form")
            refused = {name for name in form.errors} if form is not None else set()
            for item in replies:
                if f"reply_{item.key}" in refused:
                    assert item.reply == "", "a refused reply is not stored"
        for item in replies:
            assert len(item.reply) <= 200
            plain_text(item.reply)
        assert not ReturnItem.objects.filter(application=returned, key="status").exists()


@given(pk=pks, body=form_body({"confirm": text}), language=languages)
def test_withdraw_with_any_number_and_body(student_client, submitted, pk, body, language):
    with rolled_back():
        speak(student_client, language)
        target = submitted.pk if pk in (0, 1) else pk
        history = ApplicationEvent.objects.count()
        response = post(student_client, reverse("applications:withdraw", args=[target]), body)
        if response is None or response.status_code == 404:
            assert ApplicationEvent.objects.count() == history
            return
        check_answer(response, language, body, statuses=(302,))


@given(pk=pks, body=form_body({"confirm": text}), language=languages)
def test_delete_draft_with_any_number_and_body(student_client, draft, pk, body, language):
    with rolled_back():
        speak(student_client, language)
        target = draft.pk if pk in (0, 1) else pk
        before = rows(Application, Attachment, ApplicationEvent)
        response = post(student_client, reverse("applications:delete", args=[target]), body)
        if response is None or response.status_code == 404:
            assert rows(Application, Attachment, ApplicationEvent) == before
            return
        check_answer(response, language, body, statuses=(302,))
        # The draft went whole: no file or history row of it is left behind.
        assert not Application.objects.filter(pk=draft.pk).exists()
        assert not Attachment.objects.filter(application_id=draft.pk).exists()
        assert not ApplicationEvent.objects.filter(application_id=draft.pk).exists()


@pytest.fixture
def notice(student, submitted):
    services.return_application(application=submitted, actor=office_admin(), comment="请补充")
    return Notice.objects.get(student=student)


@given(pk=pks, body=form_body({"x": text}), language=languages)
def test_dismiss_notice_with_any_number(student_client, notice, pk, body, language):
    with rolled_back():
        speak(student_client, language)
        target = notice.pk if pk in (0, 1) else pk
        response = post(student_client, reverse("applications:dismiss_notice", args=[target]), body)
        if response is None or response.status_code == 404:
            return
        assert response.status_code == 302
        assert Notice.objects.get(pk=notice.pk).read_at is not None


# --- 补录分数 ------------------------------------------------------------------------------


@given(
    body=form_body(
        {"language_test": choice(*LanguageTest.values), "language_score": number, "proof": text}
    ),
    language=languages,
)
def test_score_supplement_writes_everything_or_nothing(student_client, submitted, body, language):
    url = reverse("scores:supplement", args=[submitted.pk])
    with rolled_back():
        speak(student_client, language)
        before = rows(Application, ScoreSupplement, Attachment, ApplicationEvent)
        response = post(student_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        if response.status_code == 200:
            assert has_error(response)
            assert rows(Application, ScoreSupplement, Attachment, ApplicationEvent) == before
        else:
            assert ScoreSupplement.objects.filter(application=submitted).exists()


# --- 填写交流总结 --------------------------------------------------------------------------


@pytest.fixture
def summary_file(admitted):
    """A summary with its file but no date yet: a good date and 提交 would submit it."""
    from apps.attachments.models import AttachmentKind
    from apps.attachments.validators import SUMMARY_FILES, check_upload
    from apps.summaries.services import save_summary
    from tests.samples import pdf_bytes, upload

    uploaded = upload(pdf_bytes(), "总结.pdf")
    checked = check_upload(uploaded, accept=SUMMARY_FILES)
    save_summary(
        application=admitted,
        user=admitted.student,
        changes={},
        new_files=[(AttachmentKind.SUMMARY, uploaded, checked)],
    )
    return admitted.attachments.get(kind=AttachmentKind.SUMMARY)


@given(
    body=form_body(
        {
            "return_date": st.one_of(st.just("GOOD"), day),
            "action": choice("save", "submit"),
            "remove": st.one_of(st.just("FILE"), number),
        }
    ),
    language=languages,
)
def test_summary_keeps_no_refused_date(student_client, admitted, summary_file, body, language):
    good = (admitted.program.start_date + timedelta(days=30)).isoformat()
    body = [(k, {"GOOD": good, "FILE": str(summary_file.pk)}.get(v, v)) for k, v in body]
    url = reverse("summaries:edit", args=[admitted.pk])
    with rolled_back():
        speak(student_client, language)
        before = ReturnSummary.objects.filter(application=admitted).first()
        response = post(student_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        after = ReturnSummary.objects.filter(application=admitted).first()
        if response.status_code == 200 and "return_date" in response.context["form"].errors:
            assert (after and after.return_date) == (before and before.return_date)
        if after is not None and after.is_submitted:
            assert after.return_date is not None and after.attachments.exists()


# --- 核验申请表 (office staff, a GET form) ------------------------------------------------


@given(body=form_body({"number": number, "code": text}), language=languages)
def test_verify_form_answers_any_number_and_code(client, clerk, submitted, body, language):
    client.force_login(clerk)
    with rolled_back():
        speak(client, language)
        query = urlencoded(body)
        response = client.get(f"{reverse('applications:verify')}?{query}")
        check_answer(response, language, body, statuses=(200,), need_message=bool(body))
