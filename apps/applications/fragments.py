"""Parts of the student's pages rendered once per version of what they show, kept in the
cache: 近期申请列表's table and score dialogs, 详情's submitted data and history.

Every change a student or the office makes to an application moves its `updated_at` on
(a save, even of files only, a review, a score, a result, a purge), as it does a
program's and a summary's; so those timestamps, with the language, make the keys, and a
changed row is simply rendered under a new key. The CSRF token is left in as a mark and
filled in per request.
"""

import hashlib

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.core.templatetags.portal_header import CSRF_MARK

from .models import Application

SECONDS = 3600


def application_list(request):
    """近期申请列表's {"table", "dialogs"} for the signed-in student ({} with none)."""
    parts = _list_parts(request.user)
    if not parts:
        return {}
    # The 补录外语分数 dialogs post a form: the token is this request's.
    token = escape(get_token(request))
    return {name: mark_safe(html.replace(CSRF_MARK, token)) for name, html in parts.items()}


def _list_parts(student):
    """The list's table and its score dialogs, rendered once per version of the rows.

    Everything a row shows comes from the application (whose `updated_at` every save,
    review, score, result and file change moves on), its program and its summary, so one
    narrow query of their `updated_at`s makes the key; the rows themselves are read only
    to render. The CSRF token is left as a mark. Returns {} when there is nothing."""
    mine = Application.objects.for_student(student)
    versions = list(
        mine.values_list("pk", "updated_at", "program__updated_at", "return_summary__updated_at")
    )
    if not versions:
        return {}
    # Today too: 填写交流总结 appears on the day the program starts, with no row changed.
    versions.append(timezone.localdate())
    digest = hashlib.blake2b(repr(versions).encode(), digest_size=12).hexdigest()
    key = f"application-list:{student.pk}:{digest}:{translation.get_language()}"
    parts = cache.get(key)
    if parts is None:
        # Not read: the passport number (decrypted per row) and the programs' long texts.
        applications = mine.select_related("program", "return_summary").with_submission_mark()
        applications = applications.defer(
            "passport_number",
            "program__description",
            "program__eligibility",
            "program__language_requirement",
        )
        context = {"applications": applications, "csrf_token": CSRF_MARK}
        parts = {
            "table": render_to_string("applications/includes/application_table.html", context),
            "dialogs": render_to_string("applications/includes/score_dialogs.html", context),
        }
        cache.set(key, parts, SECONDS)
    return parts


def _version(application, summary):
    moments = [application.updated_at, summary.updated_at if summary else None]
    return ":".join(str(moment.timestamp()) for moment in moments if moment)


def details(application, summary):
    """What was submitted and the history, rendered once per version and language and
    kept in the cache (one read for both); files and events are read only to render."""
    version = _version(application, summary)
    key = f"application-detail:{application.pk}:{version}:{translation.get_language()}"
    parts = cache.get(key)
    if parts is None:
        events = list(application.events.order_by("-created_at", "-pk"))
        for event in events:
            event.application = application  # as read: no query per event for `acted_by`
        context = {"application": application, "events": events}
        parts = {
            "data": render_to_string("applications/includes/submitted_data.html", context),
            "timeline": render_to_string("applications/includes/timeline.html", context),
        }
        cache.set(key, parts, SECONDS)
    return {name: mark_safe(html) for name, html in parts.items()}  # our own templates
