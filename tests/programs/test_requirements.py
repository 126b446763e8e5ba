"""申请条件 judged against a student's facts: each kind, both outcomes and "cannot tell"."""

import datetime

import pytest
from django.utils import translation

from apps.programs.models import ProgramRequirement, RequirementKind
from apps.programs.requirements import (
    Facts,
    Rule,
    Verdict,
    blocking,
    describe,
    evaluate,
    excluded_programs,
    outcomes,
    overall,
    rules_from_rows,
    year_of_study,
)

IELTS_OR_TOEFL = Rule("language", True, False, (("ielts", "6.5"), ("toefl", "90")))


@pytest.mark.parametrize(
    "scores, final, verdict",
    [
        ((("ielts", "7"),), False, Verdict.MET),
        ((("toefl", "95"),), False, Verdict.MET),  # any one alternative satisfies
        ((("ielts", "6"), ("toefl", "92")), False, Verdict.MET),
        ((("ielts", "6"),), False, Verdict.NOT_MET),
        ((), False, Verdict.UNKNOWN),  # no score yet: can apply, checked later
        ((("cet6", "600"),), False, Verdict.UNKNOWN),  # browsing: may still take IELTS
        ((("cet6", "600"),), True, Verdict.NOT_MET),  # the application's one score
        ((), True, Verdict.UNKNOWN),  # submitted without a score
    ],
)
def test_language_requirement_takes_any_accepted_test(scores, final, verdict):
    facts = Facts(scores=scores, scores_final=final)
    assert evaluate(IELTS_OR_TOEFL, facts) == verdict


@pytest.mark.parametrize(
    "rule, facts, verdict",
    [
        (
            Rule("degree", False, False, ("undergraduate",)),
            Facts(degree_level="undergraduate"),
            Verdict.MET,
        ),
        (
            Rule("degree", False, False, ("master",)),
            Facts(degree_level="undergraduate"),
            Verdict.NOT_MET,
        ),
        (Rule("degree", False, False, ("master",)), Facts(), Verdict.UNKNOWN),
        (Rule("year", False, False, ("2",)), Facts(year_of_study=3), Verdict.MET),
        (Rule("year", False, False, ("2",)), Facts(year_of_study=1), Verdict.NOT_MET),
        (Rule("year", False, False, ("2",)), Facts(), Verdict.UNKNOWN),
        (Rule("gpa", False, False, ("3.2",)), Facts(gpa="3.5"), Verdict.MET),
        (Rule("gpa", False, False, ("3.2",)), Facts(gpa="3.1"), Verdict.NOT_MET),
        (Rule("gpa", False, False, ("3.2",)), Facts(), Verdict.UNKNOWN),
        (
            Rule("college", False, False, ("计算机学院", "数学学院")),
            Facts(college="数学学院"),
            Verdict.MET,
        ),
        (Rule("college", False, False, ("计算机学院",)), Facts(college="法学院"), Verdict.NOT_MET),
        (Rule("college", False, True, ("医学院",)), Facts(college="法学院"), Verdict.MET),
        (Rule("college", False, True, ("医学院",)), Facts(college="医学院"), Verdict.NOT_MET),
        (Rule("college", False, False, ("医学院",)), Facts(), Verdict.UNKNOWN),
        (Rule("major", False, False, ("软件工程",)), Facts(major="软件工程"), Verdict.MET),
        (Rule("major", False, True, ("临床医学",)), Facts(major="临床医学"), Verdict.NOT_MET),
        (Rule("major", False, False, ("软件工程",)), Facts(), Verdict.UNKNOWN),
    ],
)
def test_each_kind_is_met_not_met_or_cannot_be_told(rule, facts, verdict):
    assert evaluate(rule, facts) == verdict


def test_only_a_required_requirement_not_met_blocks():
    hint = Rule("gpa", False, False, ("3.5",))
    required = Rule("year", True, False, ("3",))
    facts = Facts(gpa="3.0", year_of_study=2)
    assert blocking((hint, required), facts) == [required]
    assert blocking((hint,), facts) == []
    # A required language requirement with no score yet does not block.
    assert blocking((IELTS_OR_TOEFL,), Facts(scores_final=True)) == []


def test_overall_names_what_is_not_met():
    rules = (IELTS_OR_TOEFL, Rule("year", False, False, ("3",)), Rule("gpa", False, False, ("3",)))
    assert overall(rules, Facts(year_of_study=1, gpa="3.5")) == (Verdict.NOT_MET, ["year"])
    assert overall(rules, Facts(year_of_study=3, gpa="3.5")) == (Verdict.UNKNOWN, [])
    facts = Facts(year_of_study=3, gpa="3.5", scores=(("ielts", "7"),))
    assert overall(rules, facts) == (Verdict.MET, [])
    assert overall((), Facts()) == (Verdict.MET, [])


@pytest.mark.parametrize(
    "today, year",
    [
        (datetime.date(2026, 8, 31), 3),  # the academic year 2025-2026
        (datetime.date(2026, 9, 1), 4),  # a new academic year starts in September
        (datetime.date(2024, 1, 10), 1),
    ],
)
def test_year_of_study_counts_academic_years_from_september(today, year):
    assert year_of_study(2023, today) == year
    assert year_of_study(None, today) is None


def test_rows_become_rules_with_alternatives_grouped():
    rows = [
        ProgramRequirement(kind=RequirementKind.LANGUAGE, language_test="ielts", minimum=6.5),
        ProgramRequirement(
            kind=RequirementKind.LANGUAGE, language_test="toefl", minimum=90, required=True
        ),
        ProgramRequirement(kind=RequirementKind.DEGREE, degree_level="undergraduate"),
        ProgramRequirement(kind=RequirementKind.DEGREE, degree_level="master"),
        ProgramRequirement(kind=RequirementKind.MAJOR, names="临床医学、口腔医学", excluded=True),
    ]
    assert rules_from_rows(rows) == (
        Rule("language", True, False, (("ielts", "6.5"), ("toefl", "90"))),
        Rule("degree", False, False, ("undergraduate", "master")),
        Rule("major", False, True, ("临床医学", "口腔医学")),
    )


def test_requirements_read_in_both_languages():
    assert describe(IELTS_OR_TOEFL) == "外语成绩：雅思 IELTS 6.5 分及以上 或 托福 TOEFL 90 分及以上"
    with translation.override("en"):
        text = describe(IELTS_OR_TOEFL)
        [outcome] = outcomes((IELTS_OR_TOEFL,), Facts())
    assert text == "Foreign-language score: IELTS 6.5 or above or TOEFL 90 or above"
    assert outcome.verdict == Verdict.UNKNOWN and "add your score" in outcome.note


def test_the_catalog_leaves_out_only_programs_not_met():
    rules = ((1, (IELTS_OR_TOEFL,)), (2, (Rule("year", False, False, ("3",)),)), (3, ()))
    assert excluded_programs(rules, Facts(year_of_study=1)) == (2,)
    assert excluded_programs(rules, Facts(year_of_study=1, scores=(("ielts", "5"),))) == (1, 2)


@pytest.mark.django_db
def test_a_copy_for_the_next_term_keeps_the_requirements():
    from apps.programs.services import duplicate_for_next_term
    from tests.factories import ProgramFactory

    program = ProgramFactory(term="2027年春季学期")
    ProgramRequirement.objects.create(
        program=program, kind="language", language_test="ielts", minimum=6.5, required=True
    )
    ProgramRequirement.objects.create(program=program, kind="major", names="法学", excluded=True)
    copy, created = duplicate_for_next_term(program=program)
    assert created
    assert rules_from_rows(copy.requirements.all()) == rules_from_rows(program.requirements.all())
