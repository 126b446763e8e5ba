"""Parts of the student's pages rendered once per version of what they show, kept in the
cache: 近期申请列表's table and score dialogs, 详情's submitted data and history.

详情 reads its application (and summary) anyway, and every change a student or the office
makes to an application moves its `updated_at` on (a save, even of files only, a review,
a score, a result, a purge), as it does a summary's; so those timestamps, with the
language, make its key, and a changed row is simply rendered under a new key.

近期申请列表 reads no row when its table is cached: its key is a per-student version,
forgotten (signals below, and again once committed, as student_cache does) whenever
anything its rows show is saved or deleted — the student's applications, their history
(a submission ever made decides 删除草稿), their summaries and score supplements — with
the catalog's version (any program saved) and today (填写交流总结 appears on the
program's first day with no row changed). `QuerySet.update()` and `bulk_*` send no
signal: code that changes those rows in bulk calls `forget_list()` (attachments'
retention does; `apps.operations.scale` seeds an empty cache and needs none). The CSRF token
is left in as a mark and filled in per request.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from apps.attachments.models import AttachmentKind
from apps.core import cache_versions
from apps.core.release import release
from apps.core.templatetags.portal_header import CSRF_MARK, fill_shell, render_shell
from apps.programs import catalog_cache

from .models import Application, ApplicationEvent

SECONDS = 3600


def application_list_page(request):
    """近期申请列表, the whole page, rendered once per version of what it shows (the table's
    key) with marks for the header, the messages and the CSRF token (`fill_shell` fills
    them in per request): no template rendered while it is cached."""

    def render():
        parts = {name: mark_safe(part) for name, part in _list_parts(request.user).items()}
        return render_shell(request, "applications/list.html", {"cached": parts})

    shell = cache.get_or_set(f"{_list_key(request.user)}:shell", render, SECONDS)
    return fill_shell(request, shell)


def _list_version_key(student_id):
    return f"application-list:version:{student_id}"


def _list_version(student_id):
    return cache_versions.current(_list_version_key(student_id), SECONDS)


def forget_list(student_ids):
    """近期申请列表 of these students is rendered again (now, and once committed)."""
    cache_versions.forget(_list_version_key(student_id) for student_id in set(student_ids))


def _list_key(student):
    return ":".join(
        (
            "application-list",
            str(student.pk),
            _list_version(student.pk),
            catalog_cache.version(),
            release(),
            timezone.localdate().isoformat(),
            translation.get_language(),
        )
    )


def _list_parts(student):
    """The list's table and its score dialogs, rendered once per version of the rows.

    The key is the student's version (forgotten on any change the rows show), the
    catalog's (any program saved), today and the language: no query while it is cached.
    The CSRF token is left as a mark. Returns {} when there is nothing."""
    key = _list_key(student)
    parts = cache.get(key)
    if parts is None:
        # Not read: the passport number (decrypted per row) and the programs' long texts.
        mine = Application.objects.for_student(student)
        applications = mine.select_related("program", "return_summary").with_submission_mark()
        applications = applications.defer(
            "passport_number",
            "program__description",
            "program__eligibility",
            "program__language_requirement",
        )
        context = {"applications": list(applications), "csrf_token": CSRF_MARK}
        parts = {}  # none: kept too, the empty list needs no query either
        if context["applications"]:
            parts = {
                "table": render_to_string("applications/includes/application_table.html", context),
                "dialogs": render_to_string("applications/includes/score_dialogs.html", context),
            }
        cache.set(key, parts, SECONDS)
    return parts


def _student_of(instance):
    """The student whose application `instance` (a row of the application's) belongs to."""
    if type(instance).application.is_cached(instance):
        return instance.application.student_id
    return (
        Application.objects.filter(pk=instance.application_id)
        .values_list("student_id", flat=True)
        .first()
    )


# What a row of the list shows of its application (a save of other fields alone, a
# draft's 保存 of its data or files, keeps the list as cached).
LIST_FIELDS = frozenset(
    {
        "program",
        "program_id",
        "student",
        "student_id",
        "status",
        "admission_result",
        "submitted_at",
        "language_test",
        "language_score",
    }
)


@receiver(post_save, sender=Application, dispatch_uid="application-list-saved")
@receiver(post_delete, sender=Application, dispatch_uid="application-list-deleted")
def _application_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and LIST_FIELDS.isdisjoint(update_fields):
        return
    forget_list([instance.student_id])


@receiver(post_save, sender=ApplicationEvent, dispatch_uid="application-list-event-saved")
@receiver(post_delete, sender=ApplicationEvent, dispatch_uid="application-list-event-deleted")
@receiver(post_save, sender="summaries.ReturnSummary", dispatch_uid="application-list-summary")
@receiver(
    post_delete, sender="summaries.ReturnSummary", dispatch_uid="application-list-summary-gone"
)
@receiver(post_save, sender="scores.ScoreSupplement", dispatch_uid="application-list-score")
@receiver(post_delete, sender="scores.ScoreSupplement", dispatch_uid="application-list-score-gone")
def _row_of_application_changed(sender, instance, **kwargs):
    student_id = _student_of(instance)
    if student_id is not None:
        forget_list([student_id])


def _version(application, summary):
    moments = [application.updated_at, summary.updated_at if summary else None]
    return ":".join(str(moment.timestamp()) for moment in moments if moment)


def _details_key(application, summary):
    return ":".join(
        (
            "application-detail",
            str(application.pk),
            _version(application, summary),
            catalog_cache.version(),
            release(),
            timezone.localdate().isoformat(),
            translation.get_language(),
        )
    )


def details_page(request, application):
    """详情 without a summary's card (most of them), the whole page, rendered once per
    version of its parts with marks for the header, messages and CSRF token
    (`fill_shell`): no template rendered while it is cached."""
    shell = cache.get_or_set(
        f"{_details_key(application, None)}:shell",
        lambda: render_shell(request, "applications/detail.html", detail_context(application)),
        SECONDS,
    )
    return fill_shell(request, shell)


def detail_context(application, summary=None):
    """详情's template context: the cached parts, and the summary's card when it shows."""
    return {
        "application": application,
        "program": application.program,
        "cached": details(application, summary),
        "summary": summary,
        # Built only for the summary's card: a queryset costs its filter's compilation
        # even unread (a fifth of this page's CPU, bench/RESULTS.md).
        "summary_files": (
            application.attachments.filter(kind=AttachmentKind.SUMMARY) if summary else ()
        ),
    }


def details(application, summary):
    """The headline with its actions and notes, what was submitted and the history,
    rendered once per version (the application's and summary's, the catalog's for the
    program, today for 填写交流总结) and language and kept in the cache (one read for
    all); comments, files and events are read only to render."""
    key = _details_key(application, summary)
    parts = cache.get(key)
    if parts is None:
        events = list(application.events.order_by("-created_at", "-pk"))
        for event in events:
            event.application = application  # as read: no query per event for `acted_by`
        context = {
            "application": application,
            "program": application.program,
            "summary": summary,
            "events": events,
            "return_comment": application.return_comment(),
            "return_items": application.open_return_items(),
            "rejection_comment": application.rejection_comment(),
        }
        parts = {
            "head": render_to_string("applications/includes/detail_head.html", context),
            "data": render_to_string("applications/includes/submitted_data.html", context),
            "timeline": render_to_string("applications/includes/timeline.html", context),
        }
        cache.set(key, parts, SECONDS)
    return {name: mark_safe(html) for name, html in parts.items()}  # our own templates
