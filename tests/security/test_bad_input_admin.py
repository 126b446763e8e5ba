"""Generated bad input posted to every form and action of the offices' admin.

The review buttons and actions, the admission result (one by one, and the import with its
confirm step), the program form with 复制到下一学期, and the other editable admin pages.
Whatever is sent: no server error, a message in the page's language, nothing half-written.
"""

import pytest
from django.core import signing
from hypothesis import example, given
from hypothesis import strategies as st

from apps.accounts.models import Gender, StudentProfile
from apps.applications.models import AdmissionResult, Application, ApplicationEvent, LanguageTest
from apps.programs.models import Program, ProgramRequirement, Region, RequirementKind
from apps.programs.requirements import rules_by_program
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary
from tests.factories import ProgramFactory

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
    post_files,
    post_form,
    rolled_back,
    rows,
    speak,
    text,
    url_part,
)

pytestmark = [pytest.mark.django_db, pytest.mark.badinput]

CHANGELIST = "/admin/applications/application/"


def templates(response):
    return [t.name for t in response.templates]


def said(response, level):
    storage = response.wsgi_request._messages
    return [str(m) for m in storage._queued_messages if m.level_tag == level]


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# --- 审核通过 / 审核不通过 / 退回修改 -----------------------------------------------------


@given(
    # Any segment of a URL (an empty one or one with a slash is another URL).
    decision=choice("approve", "reject", "return").filter(lambda d: d and "/" not in d),
    body=form_body({"comment": text}),
    language=languages,
)
@example(decision="reject", body=[("comment", "\x00")], language="zh-hans")
def test_review_buttons_decide_or_say_why_not(clerk_client, submitted, decision, body, language):
    url = f"{CHANGELIST}{submitted.pk}/review/{url_part(decision)}/"
    with rolled_back():
        speak(clerk_client, language)
        before = rows(Application, ApplicationEvent)
        response = post(clerk_client, url, body)
        if response is None or response.status_code in (403, 404):
            assert rows(Application, ApplicationEvent) == before
            return
        check_answer(response, language, body)
        if not said(response, "success"):
            assert rows(Application, ApplicationEvent) == before


RETURN_KEYS = ("phone", "name", "transcript", "language", "passport_number")


@given(
    body=form_body(
        {
            "comment": text,
            "items": choice(*RETURN_KEYS, "status", "score_proof"),
            **{f"note_{key}": text for key in RETURN_KEYS},
        }
    ),
    language=languages,
)
@example(
    body=[("comment", "请修改"), ("items", "phone"), ("note_phone", "换\x00行")], language="en"
)
@example(body=[("comment", "请修改"), ("items", "status"), ("note_phone", "x")], language="zh-hans")
def test_return_with_items_returns_whole_or_says_why_not(clerk_client, submitted, body, language):
    """退回修改 with 需修改的内容: every ticked key a field or slot, every note plain text
    within its length, or nothing is returned."""
    from apps.applications.models import ReturnItem
    from apps.core.validators import plain_text

    url = f"{CHANGELIST}{submitted.pk}/review/return/"
    with rolled_back():
        speak(clerk_client, language)
        before = rows(Application, ApplicationEvent, ReturnItem)
        response = post(clerk_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        if not said(response, "success"):
            assert rows(Application, ApplicationEvent, ReturnItem) == before
            return
        for item in ReturnItem.objects.filter(application=submitted, requested=True):
            assert item.key in RETURN_KEYS and 0 < len(item.note) <= 200
            plain_text(item.note)


ACTIONS = (
    "approve_selected",
    "reject_selected",
    "return_selected",
    "set_admitted",
    "set_not_admitted",
    "download_attachments",
    "delete_selected",
)


def action_fields(actions, names, **more):
    """A changelist POST: an action, a selection (our rows by name, or any number)."""
    selected = st.one_of(st.sampled_from(names), number)
    fields = {"action": choice(*actions), "_selected_action": selected, "index": number}
    return form_body({**fields, "select_across": choice("0", "1"), **more})


def post_action(client, url, body, language, models, ids, then=None):
    """POST an admin action in one rolled-back example: without a success message,
    nothing of `models` changed."""
    body = [(k, ids.get(v, v) if k == "_selected_action" else v) for k, v in body]
    with rolled_back():
        speak(client, language)
        before = rows(*models)
        response = post(client, url, body)
        if response is None:
            return
        if response.get("Content-Type") == "application/zip":  # 下载所选申请的附件
            assert rows(*models) == before
            return
        # Without `index` or a selection a POST is no action: the list is shown again.
        # 审核不通过 and 退回修改 first ask for the comment on a page of their own.
        asked = {"index", "_selected_action"} & {name for name, _value in body}
        asking = "admin/applications/application/review_comment.html" in templates(response)
        check_answer(response, language, body, need_message=bool(asked) and not asking)
        if not said(response, "success"):
            assert rows(*models) == before
        if then is not None:
            then(before)


@given(
    body=action_fields(ACTIONS, ["SUBMITTED", "APPROVED"], apply=text, comment=text),
    language=languages,
)
# Regressions: ids Django's action code fed to the database (a server error before).
@example(body=[("action", "approve_selected"), ("_selected_action", "0.0")], language="en")
@example(
    body=[("action", "set_admitted"), ("index", "0"), ("_selected_action", "9" * 30)],
    language="zh-hans",
)
def test_list_actions_refuse_bad_selections_with_a_message(
    clerk_client, submitted, approved, body, language
):
    ids = {"SUBMITTED": str(submitted.pk), "APPROVED": str(approved.pk)}
    post_action(clerk_client, CHANGELIST, body, language, [Application, ApplicationEvent], ids)


# --- 录取结果: one by one, and a whole file ------------------------------------------------


@given(
    body=form_body({"result": choice(*AdmissionResult.values)}),
    language=languages,
)
@example(body=[], language="zh-hans")  # regression: the page came back without a word
def test_admission_result_page_sets_a_known_result_or_says_why_not(
    clerk_client, approved, body, language
):
    url = f"{CHANGELIST}{approved.pk}/admission-result/"
    with rolled_back():
        speak(clerk_client, language)
        before = rows(Application, ApplicationEvent)
        response = post(clerk_client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        if response.status_code == 200:
            assert has_error(response)
            assert rows(Application, ApplicationEvent) == before


HEADERS = ["学号", "项目编号", "项目", "录取结果", "student id", "", "录取结果 "]
RESULT_WORDS = ["录取", "未录取", "不录取", "admitted", "not admitted", "待定", ""]


@st.composite
def result_files(draw):
    """A CSV as a clerk (or a broken program) writes it: any header, any cells, any
    delimiter and encoding."""
    cell = st.one_of(text, st.sampled_from(["STUDENT", "PROGRAM", *RESULT_WORDS]))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), text), max_size=5))
    lines = [header, *draw(st.lists(st.lists(cell, max_size=5), max_size=6))]
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    content = "\r\n".join(delimiter.join(line) for line in lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return content.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")


@given(data=result_files(), name=text, extra=form_body({"x": text}), language=languages)
# Regression: the missing columns were joined with "、" on the English page.
@example(data="学号".encode(), name="x.csv", extra=[], language="en")
def test_import_previews_any_file_and_writes_nothing(
    clerk_client, approved, data, name, extra, language
):
    data = data.replace(b"STUDENT", approved.student.username.encode())
    data = data.replace(b"PROGRAM", str(approved.program_id).encode())
    url = f"{CHANGELIST}admission-results/import/"
    with rolled_back():
        speak(clerk_client, language)
        before = rows(Application, ApplicationEvent)
        response = post_files(clerk_client, url, extra, [("file", name[:100], data)])
        assert rows(Application, ApplicationEvent) == before
        if response is None:
            return
        check_answer(response, language, extra, statuses=(200,), need_message=False)
        assert "preview" in response.context or has_error(response)


@given(token=st.one_of(text, st.just("SIGNED"), st.just("OTHER_USER")), language=languages)
def test_confirm_refuses_a_forged_or_stale_token(clerk_client, clerk, approved, token, language):
    if token in ("SIGNED", "OTHER_USER"):
        # Rows signed with the right salt but for another user, or tampered with.
        owner = clerk.pk if token == "SIGNED" else clerk.pk + 1
        values = [[2, approved.student.username, str(approved.program_id), "", "录取"]]
        token = signing.dumps(values, salt=f"applications.admission-import:{owner}", compress=True)
        token = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    url = f"{CHANGELIST}admission-results/confirm/"
    body = [("token", token)]
    with rolled_back():
        speak(clerk_client, language)
        before = rows(Application, ApplicationEvent)
        response = post(clerk_client, url, body)
        if response is None:
            return
        check_answer(response, language, body, statuses=(302,))
        assert said(response, "error")
        assert rows(Application, ApplicationEvent) == before


# --- 学籍名单 (the administrator's roster import) ------------------------------------------

ROSTER_URL = "/admin/accounts/studentprofile/roster/"
ROSTER_COLUMNS = ["学号", "姓名", "英文/拼音姓名", "性别", "学院", "专业", "学历层次", "入学年份"]
ROSTER_HEADERS = [*ROSTER_COLUMNS, "手机号码", "电子邮箱", "Student ID", "", " 学号 "]
ROSTER_CELLS = ["STUDENT", "２０２３３０１", "专科", "本科", "男", "2023", "=1+1", "+86 138", "@x"]


@st.composite
def roster_files(draw):
    """A roster as a registrar's system (or a broken one) writes it: any header, any cells,
    any delimiter and encoding, a GBK file behind a UTF-8 BOM."""
    cell = st.one_of(text, st.sampled_from(ROSTER_CELLS))
    full = draw(st.booleans())
    header = ROSTER_HEADERS[:10] if full else []
    header += draw(st.lists(st.one_of(st.sampled_from(ROSTER_HEADERS), text), max_size=4))
    lines = [header, *draw(st.lists(st.lists(cell, max_size=11), max_size=5))]
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    content = "\r\n".join(delimiter.join(line) for line in lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "bom+gbk", "utf-16"]))
    if encoding == "bom+gbk":
        return b"\xef\xbb\xbf" + content.encode("gbk", "replace")
    return content.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")


@given(data=roster_files(), name=text, extra=form_body({"x": text}), language=languages)
@example(data="学号".encode(), name="x.csv", extra=[], language="en")
def test_roster_import_previews_any_file_and_writes_nothing(
    admin_client, student, data, name, extra, language
):
    from django.contrib.auth import get_user_model

    data = data.replace(b"STUDENT", student.username.encode())
    with rolled_back():
        speak(admin_client, language)
        before = rows(get_user_model(), StudentProfile, exclude=("updated_at", "last_login"))
        response = post_files(
            admin_client, f"{ROSTER_URL}import/", extra, [("file", name[:100], data)]
        )
        assert (
            rows(get_user_model(), StudentProfile, exclude=("updated_at", "last_login")) == before
        )
        if response is None:
            return
        check_answer(response, language, extra, statuses=(200,), need_message=False)
        assert "preview" in response.context or has_error(response)


@given(token=st.one_of(text, st.just("SIGNED")), language=languages)
def test_roster_confirm_refuses_a_forged_or_stale_token(admin_client, superuser, token, language):
    if token == "SIGNED":
        # The right salt, but no preview waiting under that key (expired or never made).
        token = signing.dumps("no-such-preview", salt=f"accounts.roster-import:{superuser.pk}")
    body = [("token", token)]
    with rolled_back():
        speak(admin_client, language)
        before = rows(StudentProfile)
        response = post(admin_client, f"{ROSTER_URL}confirm/", body)
        if response is None:
            return
        check_answer(response, language, body, statuses=(302,))
        assert said(response, "error")
        assert rows(StudentProfile) == before


# --- 交流项目 -------------------------------------------------------------------------------

PROGRAM = {
    "region": choice(*Region.values),
    "title": text,
    "partner": text,
    "country": text,
    "is_published": choice("on", ""),
    "description": text,
    "eligibility": text,
    "language_requirement": text,
    "quota": number,
    "contact": text,
    "term": st.one_of(st.sampled_from(["2027年春季学期", "2026-2027学年秋季学期"]), text),
    "duration": text,
    "start_date": day,
    "end_date": day,
    "opens_at_0": day,
    "opens_at_1": st.one_of(st.sampled_from(["00:00", "23:59:59", "24:00", "12:60"]), text),
    "closes_at_0": day,
    "closes_at_1": st.one_of(st.sampled_from(["00:00", "23:59:59"]), text),
}


# The program's own fields as a clerk sends them (the requirement rows are what is fuzzed).
PROGRAM_VALID = {
    "region": st.just(Region.INTERNATIONAL.value),
    "title": st.just("东京大学交换"),
    "partner": st.just("东京大学"),
    "country": st.just("日本"),
    "is_published": st.just("on"),
    "start_date": st.just("2027-09-01"),
    "end_date": st.just("2028-01-31"),
    "opens_at_0": st.just("2026-11-01"),
    "opens_at_1": st.just("09:00:00"),
    "closes_at_0": st.just("2027-03-31"),
    "closes_at_1": st.just("17:00:00"),
}


@given(add=st.booleans(), body=form_body(PROGRAM), language=languages)
def test_program_form_saves_a_whole_program_or_nothing(clerk_client, program, add, body, language):
    url = "/admin/programs/program/add/" if add else f"/admin/programs/program/{program.pk}/change/"

    def whole_programs_of_the_clerks_track(response):
        for saved in Program.objects.all():
            assert saved.closes_at > saved.opens_at and saved.end_date >= saved.start_date
            assert saved.region == Region.INTERNATIONAL

    post_form(clerk_client, url, body, language, [Program], whole_programs_of_the_clerks_track)


@pytest.fixture
def hmt_program(db):
    return ProgramFactory(region=Region.HMT, title="Exchange Programme")


@given(
    body=action_fields(["duplicate_for_next_term", "delete_selected"], ["MINE", "THEIRS"]),
    language=languages,
)
# Regression: another track's program was skipped without a word.
@example(
    body=[("action", "duplicate_for_next_term"), ("_selected_action", "THEIRS")], language="zh-hans"
)
def test_copy_to_next_term_copies_only_the_clerks_programs(
    clerk_client, program, hmt_program, body, language
):
    ids = {"MINE": str(program.pk), "THEIRS": str(hmt_program.pk)}

    def other_track_untouched(before):
        # The other track's program is neither copied nor changed (nor deleted).
        def hmt(snapshot):
            return [row for row in snapshot["programs.Program"] if ("region", "hmt") in row]

        assert hmt(rows(Program)) == hmt(before)

    post_action(
        clerk_client,
        "/admin/programs/program/",
        body,
        language,
        [Program],
        ids,
        other_track_untouched,
    )


# --- Other editable admin pages (superuser) ------------------------------------------------

ADMIN_FORMS = {
    "profile": (
        StudentProfile,
        {**personal_fields(), "user": number, "language": choice("zh-hans", "en")},
    ),
    "application": (
        Application,
        {
            "name": text,
            "name_en": text,
            "gender": choice(*Gender.values),
            "enrollment_year": number,
            "email": text,
            "language_test": choice(*LanguageTest.values),
            "has_passport": choice("True", "False", "unknown"),
            "passport_number": text,
            "passport_expiry": day,
        },
    ),
    "score": (
        ScoreSupplement,
        {
            "application": number,
            "language_test": choice(*LanguageTest.values),
            "score": number,
            "created_by": number,
        },
    ),
    "summary": (
        ReturnSummary,
        {"application": number, "return_date": day, "submitted_at_0": day, "submitted_at_1": text},
    ),
}


@pytest.mark.parametrize("which", ADMIN_FORMS)
def test_other_admin_forms_save_whole_rows_or_nothing(admin_client, admitted, which):
    from apps.scores.services import supplement_score

    model, fields = ADMIN_FORMS[which]
    if model is ScoreSupplement:
        admitted.language_score = None
        admitted.save()
        supplement_score(
            application=admitted, user=admitted.student, language_test="ielts", score=7
        )
    if model is ReturnSummary:
        ReturnSummary.objects.create(application=admitted)
    obj = model.objects.filter(**({"user": admitted.student} if model is StudentProfile else {}))
    obj = admitted if model is Application else obj.first()
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"

    @given(body=form_body(fields), language=languages)
    def post_anything(body, language):
        post_form(admin_client, url, body, language, [model])

    post_anything()


# --- 申请条件 (the program's requirement inline) ---------------------------------------------

# The inline's management form is Django's (a forged one is Django's own refusal): sent
# whole, the rows are what is fuzzed.
REQUIREMENT_MANAGEMENT = [("requirements-TOTAL_FORMS", "2"), ("requirements-INITIAL_FORMS", "0")]
REQUIREMENT = {
    **{
        f"requirements-{i}-{name}": values
        for i in (0, 1)
        for name, values in {
            "kind": choice(*RequirementKind.values),
            "language_test": choice(*LanguageTest.values),
            "minimum": number,
            "degree_level": choice("undergraduate", "master", "doctorate"),
            "names": text,
            "excluded": choice("on", ""),
            "required": choice("on", ""),
        }.items()
    },
}


@given(body=form_body({**PROGRAM_VALID, **REQUIREMENT}), language=languages)
def test_requirement_rows_are_saved_whole_or_not_at_all(clerk_client, program, body, language):
    url = f"/admin/programs/program/{program.pk}/change/"

    def only_whole_requirements(response):
        for row in ProgramRequirement.objects.all():
            assert row.kind in RequirementKind.values
            if row.kind == RequirementKind.LANGUAGE:
                assert row.language_test and row.minimum is not None
            elif row.kind == RequirementKind.DEGREE:
                assert row.degree_level and row.minimum is None
            elif row.kind in (RequirementKind.COLLEGE, RequirementKind.MAJOR):
                assert row.name_list() and row.minimum is None
            else:
                assert row.minimum is not None and not row.names
        # Whatever was saved, the rules read from it are well formed.
        rules_by_program([program])

    body = [*REQUIREMENT_MANAGEMENT, *body]
    post_form(
        clerk_client, url, body, language, [Program, ProgramRequirement], only_whole_requirements
    )
