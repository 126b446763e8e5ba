"""申请条件 as the student meets them: the program page's verdicts, the catalog's filter,
the 提交 guard, the score supplement and the outcome the office reads."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Eligibility, Status
from apps.programs.models import ProgramRequirement, RequirementKind
from apps.scores.services import supplement_score
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def require(program, kind, required=False, **fields):
    return ProgramRequirement.objects.create(
        program=program, kind=kind, required=required, **fields
    )


def ielts(program, minimum="6.5", required=True):
    return require(
        program, RequirementKind.LANGUAGE, required, language_test="ielts", minimum=minimum
    )


def this_year():
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


# --- the program page -------------------------------------------------------------------------


def test_program_page_tells_each_requirement_met_not_met_or_unknown(student_client, student):
    profile = student.profile
    profile.degree_level, profile.enrollment_year = "undergraduate", this_year()  # 一年级
    profile.save()
    program = ProgramFactory()
    require(program, RequirementKind.DEGREE, degree_level="undergraduate")
    require(program, RequirementKind.YEAR, required=True, minimum=2)
    ielts(program)

    text = student_client.get(program.get_absolute_url()).text

    assert "学历层次：本科" in text and "满足" in text
    assert "年级：2 年级及以上" in text and "你目前为 1 年级。" in text
    assert "不满足" in text
    assert "暂无法判断" in text and "可先报名，补录成绩后再核对" in text
    assert "必须满足（提交时核对）" in text and "参考" in text
    assert "年级按每年 9 月开始的学年计算" in text
    # Never colour alone: each verdict has its mark.
    assert "✓" in text and "✗" in text and "?</span>" in text


def test_program_page_verdicts_in_english(student_client):
    program = ProgramFactory()
    ielts(program)
    student_client.cookies["django_language"] = "en"
    text = student_client.get(program.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Cannot tell yet" in text and "Required (checked at submission)" in text


def test_a_score_typed_on_a_draft_counts_at_once(student_client, make_draft):
    program = ProgramFactory()
    ielts(program, "7")
    student_client.get(program.get_absolute_url())  # cached: no score yet
    make_draft(language_test="ielts", language_score=6)
    text = student_client.get(program.get_absolute_url()).text
    assert "你的成绩：雅思 IELTS 6.0。" in text


def test_a_program_without_requirements_shows_no_card(student_client):
    program = ProgramFactory()
    assert "requirements-title" not in student_client.get(program.get_absolute_url()).text


# --- 提交 ---------------------------------------------------------------------------------------


def test_submit_is_refused_for_a_required_requirement_not_met(make_draft):
    program = ProgramFactory()
    require(program, RequirementKind.MAJOR, required=True, names="临床医学、口腔医学")
    application = make_draft(program=program)  # 软件工程

    with pytest.raises(services.ApplicationError) as refused:
        services.submit_application(application=application, user=application.student)

    assert "专业：限 临床医学、口腔医学" in refused.value.message
    assert list(refused.value.problems) == ["requirement:major"]
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_hint_not_met_does_not_block_and_is_recorded(make_submitted):
    program = ProgramFactory()
    require(program, RequirementKind.MAJOR, required=False, names="临床医学")
    application = make_submitted(program=program)
    assert application.status == Status.SUBMITTED
    application.refresh_from_db()
    assert application.eligibility == Eligibility.NOT_MET
    assert application.requirements_unmet == ["major"]


def test_a_required_language_requirement_without_a_score_does_not_block(make_submitted):
    program = ProgramFactory()
    ielts(program)
    application = make_submitted(program=program)
    application.refresh_from_db()
    assert (application.status, application.eligibility) == (Status.SUBMITTED, Eligibility.UNKNOWN)


def test_a_score_in_another_test_fails_a_required_language_requirement(make_draft):
    program = ProgramFactory()
    ielts(program)
    from apps.attachments.models import AttachmentKind
    from tests.builders import checked

    application = make_draft(program=program, language_test="toefl", language_score=100)
    services.save_draft(
        application=application,
        user=application.student,
        changes={},
        new_files=[checked(AttachmentKind.LANGUAGE)],
    )
    with pytest.raises(services.ApplicationError) as refused:
        services.submit_application(application=application, user=application.student)
    assert "requirement:language" in refused.value.problems


def test_the_form_page_names_the_requirement_after_a_refused_submit(student_client, make_draft):
    program = ProgramFactory()
    require(program, RequirementKind.YEAR, required=True, minimum=9)
    application = make_draft(program=program)
    response = student_client.post(
        reverse("applications:edit", args=[application.pk]), {"action": "submit"}
    )
    assert response.status_code == 200
    assert "不符合本项目必须满足的申请条件" in response.text
    assert "年级：9 年级及以上" in response.text  # in the 填写进度 card
    assert 'id="section-requirements"' in response.text  # where the card links to


def test_a_form_refused_for_other_reasons_names_the_requirement_too(student_client, make_draft):
    program = ProgramFactory()
    require(program, RequirementKind.YEAR, required=True, minimum=9)
    application = make_draft(program=program)
    response = student_client.post(
        reverse("applications:edit", args=[application.pk]), {"action": "submit", "phone": "12"}
    )
    assert response.status_code == 200
    assert 'id="section-requirements"' in response.text


# --- 补录分数 -----------------------------------------------------------------------------------


def test_a_supplement_below_the_minimum_is_stored_and_recorded(make_submitted):
    program = ProgramFactory()
    ielts(program, "7")
    application = make_submitted(program=program)

    supplement_score(
        application=application, user=application.student, language_test="ielts", score=6
    )

    application.refresh_from_db()
    assert application.language_score == 6  # never refused: once only, cannot be redone
    assert application.eligibility == Eligibility.NOT_MET
    assert application.requirements_unmet == ["language"]


def test_a_supplement_that_meets_the_minimum_is_recorded_as_met(make_submitted):
    program = ProgramFactory()
    ielts(program, "6.5")
    application = make_submitted(program=program)
    supplement_score(
        application=application, user=application.student, language_test="ielts", score=7
    )
    application.refresh_from_db()
    assert application.eligibility == Eligibility.MET


def supplement(application, score):
    supplement_score(
        application=application, user=application.student, language_test="ielts", score=score
    )


# --- requirements changed -----------------------------------------------------------------------


def test_changed_requirements_judge_received_applications_again(make_submitted, make_draft):
    program = ProgramFactory()
    submitted = make_submitted(program=program)
    draft = make_draft(program=program, owner=_other_student())
    require(program, RequirementKind.GPA, minimum="3.0")
    assert services.recheck_program(program) == 1
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.eligibility == Eligibility.UNKNOWN  # no GPA on the profile
    assert draft.eligibility == ""  # drafts are the student's own

    profile = submitted.student.profile
    profile.gpa = "2.5"
    profile.save()
    services.recheck_program(program)
    submitted.refresh_from_db()
    assert (submitted.eligibility, submitted.requirements_unmet) == (Eligibility.NOT_MET, ["gpa"])


def _other_student():
    from tests.factories import StudentProfileFactory

    return StudentProfileFactory().user


# --- the catalog's filter -----------------------------------------------------------------------


def catalog(client, **params):
    return client.get(reverse("programs:list", args=["international"]), params)


def test_the_filter_leaves_out_programs_whose_requirements_are_not_met(student_client, student):
    profile = student.profile
    profile.major = "软件工程"
    profile.save()
    fits = ProgramFactory(title="合适的项目")
    require(fits, RequirementKind.MAJOR, names="软件工程")
    unfit = ProgramFactory(title="不合适的项目")
    require(unfit, RequirementKind.MAJOR, names="临床医学")
    unknown = ProgramFactory(title="待核对的项目")
    ielts(unknown)

    everything = catalog(student_client).text
    assert "不合适的项目" in everything
    assert "已隐藏你不满足申请条件的项目" not in everything

    mine = catalog(student_client, eligible="1").text
    assert "合适的项目" in mine and "待核对的项目" in mine
    assert "不合适的项目" not in mine
    assert "已隐藏你不满足申请条件的项目" in mine


def test_students_alike_share_the_filtered_page(client, student):
    from django.core.cache import cache

    program = ProgramFactory()
    require(program, RequirementKind.MAJOR, names="临床医学")
    keys = set()
    original = cache.set

    def spy(key, *args, **kwargs):
        keys.add(key)
        return original(key, *args, **kwargs)

    cache.set = spy
    try:
        client.force_login(student)
        catalog(client, eligible="1")
        client.force_login(_other_student())
        catalog(client, eligible="1")
    finally:
        cache.set = original
    assert len([k for k in keys if ":catalog-shell:" in k]) == 1


@pytest.mark.parametrize("programs", [1, 40])
def test_the_filter_query_count_is_flat_in_the_number_of_programs(
    student_client, settings, programs, django_assert_num_queries
):
    settings.PROGRAMS_PER_PAGE = 50
    for program in ProgramFactory.create_batch(programs):
        ielts(program)
        require(program, RequirementKind.YEAR, minimum=1)
    # user with profile, the next window edge, the track's requirements, count, page,
    # the student's applications.
    with django_assert_num_queries(6):
        response = catalog(student_client, eligible="1")
    assert response.text.count("<tr>") == programs + 1
    # Cached: nothing (the user with its profile is kept too).
    with django_assert_num_queries(0):
        catalog(student_client, eligible="1")


def test_a_profile_changed_changes_the_verdict_at_once(student_client, student):
    program = ProgramFactory()
    require(program, RequirementKind.GPA, minimum="3.0")
    assert "暂无法判断" in student_client.get(program.get_absolute_url()).text
    profile = student.profile
    profile.gpa = "2.5"
    profile.save()
    text = student_client.get(program.get_absolute_url()).text
    assert "不满足" in text and "你的 GPA：2.5。" in text
