"""Which programs a student has applied to, where each application stands, and whether
the student has an unread notice.

Every program page shows the student's own application there (编辑 / 查看申请 and its
status) instead of 报名. That is read on every program page a student opens and
changes only when one of the student's applications is created or changes status, so
it is kept in the cache per student and forgotten whenever one of the student's
applications is created, deleted or saved with its status (a signal, and again once
committed: a page rendered in between read the rows before the change).

The home page shows the student's unread notices; most students have none most of the
time, so that is what is kept: "none" until a notice of the student's is saved (made by a
decision, or dismissed).
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core import cache_versions

from .models import Application, Notice

SECONDS = 3600


def _key(student_id):
    return f"student-applications:{student_id}"


def _notices_key(student_id):
    return f"student-notices:{student_id}"


def statuses_by_program(student):
    """{program id: (application pk, status)} of `student`, from the cache (one query
    when not cached). Plain values: a catalog page needs only the statuses, and
    building a model instance per application cost more than the rest of the lookup."""
    key = _key(student.pk)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Application.objects.for_student(student).values_list("pk", "program_id", "status")
        )
        cache.set(key, rows, SECONDS)
    return {program_id: (pk, status) for pk, program_id, status in rows}


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
    if not created and update_fields is not None and "status" not in update_fields:
        return  # a draft's fields saved: the program and the status stay as cached
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
