"""申请条件 as rules, and a student's standing against them: 满足 / 不满足 / 暂无法判断.

A program's requirements (ProgramRequirement rows) become `Rule`s: plain tuples, kept
with the catalog's cache (apps.programs.catalog_cache) and shared by every request. A
student is judged from `Facts`, plain values too, which the applications' floor builds
from a profile or from one application (programs know neither): so the same rule gives
the same verdict on the program page, in the catalog's filter, at 提交 and in the
office's list.
"""

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DEGREE_LEVELS, LanguageTest, ProgramRequirement, RequirementKind


class Verdict(models.TextChoices):
    MET = "met", gettext_lazy("满足")
    NOT_MET = "not_met", gettext_lazy("不满足")
    UNKNOWN = "unknown", gettext_lazy("暂无法判断")


class Rule(NamedTuple):
    """One requirement: `options` are the accepted (test, minimum) pairs of a language
    requirement, the degree levels accepted, the names of colleges or majors, or the one
    minimum (year, GPA), as text."""

    kind: str
    required: bool
    excluded: bool
    options: tuple


class Facts(NamedTuple):
    """What is known of a student (None or "" where unknown). `scores` is ((test, best
    score as text), …); `scores_final`: the scores are all there will be (one application
    at 提交), so a score in a test not accepted fails, where for a student browsing it
    only leaves the requirement open."""

    degree_level: str = ""
    year_of_study: int | None = None
    college: str = ""
    major: str = ""
    gpa: str | None = None
    scores: tuple = ()
    scores_final: bool = False


class Outcome(NamedTuple):
    rule: Rule
    verdict: str
    text: str  # the requirement, named
    note: str  # why, where it helps ("" when met)


def rules_from_rows(rows):
    """The program's `Rule`s from its ProgramRequirement rows: the language rows as one
    rule, the degree rows as one, each other row as itself; required when any row of it is."""
    rows = list(rows)
    rules = []
    for kind in (RequirementKind.LANGUAGE, RequirementKind.DEGREE):
        group = [row for row in rows if row.kind == kind]
        if group:
            if kind == RequirementKind.LANGUAGE:
                options = tuple(
                    (row.language_test, _text(row.minimum))
                    for row in group
                    if row.language_test and row.minimum is not None
                )
            else:
                options = tuple(row.degree_level for row in group if row.degree_level)
            if options:
                rules.append(Rule(str(kind), any(r.required for r in group), False, options))
    for row in rows:
        if row.kind in (RequirementKind.YEAR, RequirementKind.GPA) and row.minimum is not None:
            rules.append(Rule(row.kind, row.required, False, (_text(row.minimum),)))
        elif row.kind in (RequirementKind.COLLEGE, RequirementKind.MAJOR) and row.name_list():
            rules.append(Rule(row.kind, row.required, row.excluded, tuple(row.name_list())))
    return tuple(rules)


def rules_by_program(programs):
    """{program id: its rules} for a queryset of programs, in one query."""
    rows = {}
    for row in ProgramRequirement.objects.filter(program__in=programs).order_by("pk"):
        rows.setdefault(row.program_id, []).append(row)
    return {pk: rules_from_rows(group) for pk, group in rows.items()}


def _text(number):
    return format(Decimal(number).normalize(), "f")


# Written with one decimal even when whole: IELTS in half bands ("6.0"), GPA ("3.0").
_ONE_DECIMAL = {"ielts", RequirementKind.GPA}


def _shown(text, kind):
    """A minimum or score as people write it: "6.5", "90", IELTS and GPA "6.0"/"3.0"."""
    value = _decimal(text)
    if value is not None and kind in _ONE_DECIMAL and value == value.to_integral_value():
        return f"{value:.1f}"
    return text


def _decimal(text):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None


def year_of_study(enrollment_year, today=None):
    """年级: 1 in the academic year of enrolment, which starts on 1 September (local time,
    settings.TIME_ZONE), one more each September after; None when unknown."""
    if not enrollment_year:
        return None
    today = today or timezone.localdate()
    academic_year = today.year if today.month >= 9 else today.year - 1
    return max(1, academic_year - int(enrollment_year) + 1)


def evaluate(rule, facts):
    """The verdict of `rule` for `facts`: Verdict.MET, NOT_MET or UNKNOWN."""
    kind = rule.kind
    if kind == RequirementKind.LANGUAGE:
        scores = dict(facts.scores)
        held = [(test, minimum) for test, minimum in rule.options if test in scores]
        if any(_decimal(scores[test]) >= _decimal(minimum) for test, minimum in held):
            return Verdict.MET
        if held or (facts.scores_final and scores):
            return Verdict.NOT_MET
        return Verdict.UNKNOWN
    if kind == RequirementKind.DEGREE:
        if not facts.degree_level:
            return Verdict.UNKNOWN
        return Verdict.MET if facts.degree_level in rule.options else Verdict.NOT_MET
    if kind in (RequirementKind.YEAR, RequirementKind.GPA):
        value = facts.year_of_study if kind == RequirementKind.YEAR else _decimal(facts.gpa)
        if value is None:
            return Verdict.UNKNOWN
        return Verdict.MET if value >= _decimal(rule.options[0]) else Verdict.NOT_MET
    value = facts.college if kind == RequirementKind.COLLEGE else facts.major
    if not value:
        return Verdict.UNKNOWN
    listed = value.strip() in rule.options
    return Verdict.MET if listed != rule.excluded else Verdict.NOT_MET


def outcomes(rules, facts):
    """Each rule with its verdict and, in the active language, its text and note."""
    return [_outcome(rule, evaluate(rule, facts), facts) for rule in rules]


def blocking(rules, facts):
    """The rules that stop 提交: required and not met (never one that cannot be told)."""
    return [rule for rule in rules if rule.required and evaluate(rule, facts) == Verdict.NOT_MET]


def overall(rules, facts):
    """(Verdict of the whole: NOT_MET if any is, else UNKNOWN if any is, else MET;
    the kinds not met, in order, without repeats)."""
    verdicts = [(rule.kind, evaluate(rule, facts)) for rule in rules]
    unmet = list(dict.fromkeys(kind for kind, v in verdicts if v == Verdict.NOT_MET))
    if unmet:
        return Verdict.NOT_MET, unmet
    if any(v == Verdict.UNKNOWN for _kind, v in verdicts):
        return Verdict.UNKNOWN, []
    return Verdict.MET, []


def excluded_programs(rules_by_pk, facts):
    """The programs (ids, sorted) with a requirement `facts` do not meet: what the
    catalog's 只看我符合条件的项目 leaves out."""
    return tuple(
        sorted(
            pk
            for pk, rules in rules_by_pk
            if any(evaluate(rule, facts) == Verdict.NOT_MET for rule in rules)
        )
    )


def describe(rule):
    """The requirement in words, in the active language: "外语成绩：雅思 IELTS 6.5 分及以上
    或 托福 TOEFL 90 分及以上"."""
    kind = RequirementKind(rule.kind)
    if kind == RequirementKind.LANGUAGE:
        alternatives = [
            _("%(test)s %(score)s 分及以上")
            % {"test": _test_label(test), "score": _shown(minimum, test)}
            for test, minimum in rule.options
        ]
        body = _(" 或 ").join(alternatives)
    elif kind == RequirementKind.DEGREE:
        labels = dict(DEGREE_LEVELS)
        body = _(" 或 ").join(str(labels.get(v, v)) for v in rule.options)
    elif kind == RequirementKind.YEAR:
        body = _("%(year)s 年级及以上") % {"year": rule.options[0]}
    elif kind == RequirementKind.GPA:
        body = _("%(gpa)s 及以上") % {"gpa": _shown(rule.options[0], RequirementKind.GPA)}
    else:
        names = _("、").join(rule.options)
        body = (_("不接受 %(names)s") if rule.excluded else _("限 %(names)s")) % {"names": names}
    return _("%(kind)s：%(body)s") % {"kind": kind.label, "body": body}


def _test_label(test):
    return str(LanguageTest(test).label) if test in LanguageTest.values else test


def _outcome(rule, verdict, facts):
    return Outcome(rule, verdict, describe(rule), _note(rule, verdict, facts))


def _note(rule, verdict, facts):
    kind = rule.kind
    if verdict == Verdict.UNKNOWN:
        if kind == RequirementKind.LANGUAGE:
            return _("暂无相应的外语成绩：可先报名，补录成绩后再核对。")
        return _("你的个人信息中暂无%(field)s，无法核对。") % {"field": RequirementKind(kind).label}
    if verdict != Verdict.NOT_MET:
        return ""
    if kind == RequirementKind.LANGUAGE:
        mine = _("、").join(
            f"{_test_label(test)} {_shown(score, test)}" for test, score in facts.scores
        )
        return _("你的成绩：%(scores)s。") % {"scores": mine}
    if kind == RequirementKind.YEAR:
        return _("你目前为 %(year)s 年级。") % {"year": facts.year_of_study}
    if kind == RequirementKind.GPA:
        return _("你的 GPA：%(gpa)s。") % {"gpa": _shown(facts.gpa, RequirementKind.GPA)}
    if kind == RequirementKind.DEGREE:
        labels = dict(DEGREE_LEVELS)
        return _("你的学历层次：%(level)s。") % {
            "level": labels.get(facts.degree_level, facts.degree_level)
        }
    value = facts.college if kind == RequirementKind.COLLEGE else facts.major
    return _("你的%(field)s：%(value)s。") % {"field": RequirementKind(kind).label, "value": value}
