"""详情's application row, kept per student until the application changes.

The details page renders almost all of itself from cached parts (fragments.details),
keyed by versions read off the application's row; reading that row was the rest of the
page's cost (building the query more than running it, bench/RESULTS.md, issue 23). So the
row is kept in the cache too, without its passport number, and forgotten whenever the
application is saved or deleted (a signal, and again once committed: a request in
between read the row before the change) and by the writes that send no signal
(`QuerySet.update()`: the attachments' purge, seed_demo's back-dating), which call
`forget`. A row is found under its student's key only: another student's number is a
miss, then a query that finds nothing.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core import cache_versions

from .models import Application

SECONDS = 3600


def _key(student_id, pk):
    return f"application-row:{student_id}:{pk}"


def own_application(student, pk):
    """The student's application `pk` (its passport number deferred), or None."""
    key = _key(student.pk, pk)
    application = cache.get(key)
    if application is None:
        queryset = Application.objects.for_student(student).defer("passport_number")
        application = queryset.filter(pk=pk).first()
        if application is not None:
            cache.set(key, application, SECONDS)
    return application


def forget(applications):
    """Forget these (student id, application id) rows now and once committed."""
    cache_versions.forget(_key(student_id, pk) for student_id, pk in applications)


@receiver(post_save, sender=Application, dispatch_uid="application-row-saved")
@receiver(post_delete, sender=Application, dispatch_uid="application-row-deleted")
def _application_changed(sender, instance, **kwargs):
    forget([(instance.student_id, instance.pk)])
