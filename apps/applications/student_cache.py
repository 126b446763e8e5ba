"""Which programs a student has applied to, where each application stands (and the
scores given on them, for the programs' 申请条件), and whether the student has an unread
notice.

Every program page shows the student's own application there (编辑 / 查看申请 and its
status) instead of 报名. That is read on every program page a student opens and
changes only when one of the student's applications is created or changes status, so
it is kept in the cache per student and forgotten whenever one of the student's
applications is created, deleted or saved with its status or score (a signal, and again once
committed: a page rendered in between read the rows before the change).

The home page shows the student's unread notices; most students have none most of the
time, so that is what is kept: "none" until a notice of the student's is saved (made by a
decision, or dismissed).
"""

from decimal import Decimal

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.accounts.models import own_profile
from apps.core import cache_versions
from apps.programs.requirements import Facts, year_of_study

from .models import Application, Notice, format_score

SECONDS = 3600
# The application's fields kept in the cache: a save of any of them forgets it.
_CACHED_FIELDS = {"status", "language_test", "language_score"}


def _key(student_id):
    return f"student-applications:{student_id}"


def _notices_key(student_id):
    return f"student-notices:{student_id}"


def _rows(student):
    """(pk, program id, status, language test, score as text or None) of each of
    `student`'s applications, from the cache (one query when not cached). Plain values:
    building a model instance per application cost more than the rest of the lookup."""
    kept = getattr(student, "_application_rows", None)
    if kept is not None:  # read already in this request (the user object is the request's)
        return kept
    key = _key(student.pk)
    rows = cache.get(key)
    if rows is None:
        rows = [
            (pk, program_id, status, test, None if score is None else format_score(score))
            for pk, program_id, status, test, score in Application.objects.for_student(
                student
            ).values_list("pk", "program_id", "status", "language_test", "language_score")
        ]
        cache.set(key, rows, SECONDS)
    student._application_rows = rows
    return rows


def statuses_by_program(student):
    """{program id: (application pk, status)} of `student`."""
    return {program_id: (pk, status) for pk, program_id, status, _t, _s in _rows(student)}


def student_facts(student):
    """What is known of `student` for the programs' 申请条件 (apps.programs.requirements):
    the profile (loaded with the signed-in user, no query) and the best score in each test
    on the student's applications (from the cached rows above)."""
    best = {}
    for _pk, _program, _status, test, score in _rows(student):
        if test and score is not None and (test not in best or Decimal(score) > best[test]):
            best[test] = Decimal(score)
    scores = tuple(sorted((test, format_score(score)) for test, score in best.items()))
    profile = own_profile(student) if student.is_authenticated else None
    if profile is None:
        return Facts(scores=scores)
    return Facts(
        degree_level=profile.degree_level or "",
        year_of_study=year_of_study(profile.enrollment_year),
        college=(profile.school or "").strip(),
        major=(profile.major or "").strip(),
        gpa=None if profile.gpa is None else format_score(profile.gpa),
        scores=scores,
    )


def application_for_program(student, program_id):
    """`student`'s Application (with only `pk` and `status`) to the program, or None."""
    found = statuses_by_program(student).get(program_id)
    if found is None:
        return None
    pk, status = found
    return Application(pk=pk, status=status)


@receiver(post_save, sender=Application, dispatch_uid="student-applications-saved")
@receiver(post_delete, sender=Application, dispatch_uid="student-applications-deleted")
def _forget(sender, instance, created=False, update_fields=None, **kwargs):
    if not created and update_fields is not None and not _CACHED_FIELDS & set(update_fields):
        return  # a draft's other fields saved: what is cached stays as it was
    cache_versions.forget([_key(instance.student_id)])


def unread_notices(student):
    """`student`'s unread notices, newest first: no query while the student has none."""
    key = _notices_key(student.pk)
    if cache.get(key) == "none":
        return []
    notices = list(Notice.objects.unread_for(student))
    if not notices:
        cache.set(key, "none", SECONDS)
    return notices


@receiver(post_save, sender=Notice, dispatch_uid="student-notices-saved")
def _forget_notices(sender, instance, **kwargs):
    # A deleted notice needs nothing: "none" is only ever kept while there are none.
    cache_versions.forget([_notices_key(instance.student_id)])
