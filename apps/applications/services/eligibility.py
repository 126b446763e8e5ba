"""申请条件 against an application: the facts it gives, the 提交 guard's problems and the
outcome stored on it for the office (`eligibility`, `requirements_unmet`).

The stored outcome is judged again at 提交, at a 补录分数 and whenever the program's
requirements change (`recheck_program`), so that the office's list filters, counts and
exports it with plain queries. A supplemented score is never refused for a requirement:
the supplement is once-only and cannot be redone, so its outcome is recorded for the
office to see instead.
"""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from apps.accounts.models import StudentProfile
from apps.programs.requirements import (
    Facts,
    blocking,
    describe,
    overall,
    rules_by_program,
    year_of_study,
)

from ..models import Application, Status, format_score

# The applications whose stored outcome the office reads: everything it has received.
JUDGED_STATUSES = [Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.REJECTED]
REQUIREMENT_PREFIX = "requirement:"


def application_facts(application, gpa):
    """What one application says of its student: its snapshot, its one score (given at
    提交 or supplemented: all there will be) and the profile's `gpa`."""
    scores = ()
    if application.language_test and application.language_score is not None:
        scores = ((application.language_test, format_score(application.language_score)),)
    return Facts(
        degree_level=application.degree_level or "",
        year_of_study=year_of_study(application.enrollment_year),
        college=(application.school or "").strip(),
        major=(application.major or "").strip(),
        gpa=None if gpa is None else format_score(gpa),
        scores=scores,
        scores_final=True,
    )


def profile_gpa(student_id):
    return StudentProfile.objects.filter(user_id=student_id).values_list("gpa", flat=True).first()


def requirement_problems(application, rules, gpa):
    """The 提交 guard: {"requirement:<kind>": message} for each required requirement the
    application does not meet. One that cannot be told (no score yet) does not block."""
    if not any(rule.required for rule in rules):
        return {}
    facts = application_facts(application, gpa)
    return {
        f"{REQUIREMENT_PREFIX}{rule.kind}": _("不符合本项目必须满足的申请条件（%(requirement)s）。")
        % {"requirement": describe(rule)}
        for rule in blocking(rules, facts)
    }


def unmet_requirements(application):
    """`requirement_problems` read afresh (two queries): for a form page refused before
    提交 was tried, so that it names the requirements as a refused 提交 would."""
    rules = program_rules(application.program_id)
    if not any(rule.required for rule in rules):
        return {}
    return requirement_problems(application, rules, profile_gpa(application.student_id))


def judge(application, rules, gpa):
    """Set the application's stored outcome (not saved); the fields that changed."""
    verdict, unmet = overall(rules, application_facts(application, gpa))
    changed = []
    if application.eligibility != verdict:
        application.eligibility = verdict
        changed.append("eligibility")
    if application.requirements_unmet != unmet:
        application.requirements_unmet = unmet
        changed.append("requirements_unmet")
    return changed


def program_rules(program_id):
    """The program's rules from its rows (one query): a change writes nothing to the
    cache, whose writes every other process hears of."""
    return rules_by_program([program_id]).get(program_id, ())


def record_eligibility(application):
    """Judge `application` (locked by the caller) again and save what changed: after a
    补录分数."""
    rules = program_rules(application.program_id)
    changed = judge(application, rules, profile_gpa(application.student_id))
    if changed:
        application.save(update_fields=changed)
    return changed


def recheck_program(program):
    """The program's requirements changed: judge every application the office has
    received again, in one transaction; returns how many changed."""
    rules = program_rules(program.pk)
    with transaction.atomic():
        applications = list(
            Application.objects.select_for_update()
            .filter(program=program, status__in=JUDGED_STATUSES)
            .annotate(profile_gpa=_gpa_of_student())
            .order_by("pk")
        )
        changed = [a for a in applications if judge(a, rules, a.profile_gpa)]
        Application.objects.bulk_update(
            changed, ["eligibility", "requirements_unmet"], batch_size=500
        )
    return len(changed)


def _gpa_of_student():
    return Subquery(StudentProfile.objects.filter(user_id=OuterRef("student_id")).values("gpa")[:1])
