"""下载我的数据: everything the portal holds about one student, as a ZIP of JSON and files.

The JSON has the profile, each application with every field (the passport number
decrypted: it is the student's own), its history, score supplement, exchange summary and
files, and the notices. Files are under 附件/<申请编号>-<项目>/ with their kind and a
number; `file` in the JSON names each one's path in the ZIP.
"""

import json
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.accounts.models import StudentProfile
from apps.attachments.models import Attachment
from apps.attachments.zips import dot_extension, zip_chunks

from .models import Application, ApplicationEvent, Notice, ReturnItem


def _values(obj, exclude=()):
    """Every concrete field of `obj` by name (foreign keys as ids), with choice labels."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        data[field.attname] = value
        if field.choices and value not in ("", None):
            data[f"{field.name}_display"] = str(getattr(obj, f"get_{field.name}_display")())
    return data


def _safe(text):
    return "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in text)[:60]


def student_applications(user):
    return (
        Application.objects.for_student(user)
        .select_related("program", "score_supplement", "return_summary")
        .prefetch_related(
            Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "pk")),
            # 需修改的内容 of each 退回修改, with the student's replies (not the kept values).
            Prefetch("events__return_items", queryset=ReturnItem.objects.filter(requested=True)),
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk")),
        )
        .order_by("created_at", "pk")
    )


def file_names(applications):
    """{attachment: path in the ZIP}: 附件/<申请编号>-<项目>/<附件类型>-<n>.<ext>."""
    names = {}
    for application in applications:
        folder = f"{_('附件')}/{application.number}-{_safe(application.program.title)}"
        counts = Counter()
        for attachment in application.attachments.all():
            if attachment.is_purged:
                continue  # listed in the JSON, the file itself is gone
            label = _safe(str(attachment.kind_label))
            counts[label] += 1
            names[attachment] = f"{folder}/{label}-{counts[label]}{dot_extension(attachment)}"
    return names


def _related(application, name):
    try:
        return _values(getattr(application, name), exclude={"application"})
    except ObjectDoesNotExist:
        return None


def personal_data(user, applications, files):
    """The student's data as one JSON-ready dict; `files` maps attachments to ZIP paths."""
    profile = StudentProfile.objects.filter(user=user).first()
    entries = []
    for application in applications:
        entry = _values(application, exclude={"student"})
        entry["number"] = application.number
        entry["program"] = {
            "id": application.program_id,
            "title": application.program.title,
            "partner": application.program.partner,
            "region": application.program.get_region_display(),
        }
        entry["history"] = [
            {
                "time": event.created_at,
                "kind": event.kind,
                "headline": str(event.headline),
                "from": event.from_value,
                "to": event.to_value,
                "comment": event.comment,
                "return_items": [
                    {"item": str(item.label), "note": item.note, "reply": item.reply}
                    for item in event.requested_return_items
                ],
            }
            for event in application.events.all()
        ]
        entry["score_supplement"] = _related(application, "score_supplement")
        entry["return_summary"] = _related(application, "return_summary")
        entry["attachments"] = [
            {
                "kind": attachment.kind,
                "kind_display": str(attachment.kind_label),
                "original_name": attachment.original_name,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "uploaded_at": attachment.uploaded_at,
                "file": files.get(attachment, ""),
                "purged_at": attachment.purged_at,
            }
            for attachment in application.attachments.all()
        ]
        entries.append(entry)
    notices = Notice.objects.filter(student=user).select_related("event__application")
    return {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "profile": _values(profile, exclude={"id", "user"}) if profile else None,
        "applications": entries,
        "notices": [
            {
                "time": notice.created_at,
                "application_number": notice.event.application.number,
                "headline": str(notice.event.headline),
                "comment": notice.event.comment,
                "read_at": notice.read_at,
            }
            for notice in notices
        ],
    }


def personal_data_zip(user):
    """The ZIP's chunks: 我的数据.json first, then every file of the student's applications."""
    applications = list(student_applications(user))
    files = file_names(applications)
    data = personal_data(user, applications, files)
    document = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return zip_chunks(
        list(files),
        named=lambda attachments: ((a, files[a]) for a in attachments),
        documents=[(_("我的数据.json"), document.encode("utf-8"))],
    )


def zip_filename(user):
    return _("我的数据-%(username)s-%(day)s.zip") % {
        "username": user.username,
        "day": f"{timezone.localdate():%Y%m%d}",
    }


@require_safe
@login_required
def download_my_data(request):
    """下载我的数据: the signed-in user's own data only, as a ZIP (JSON and files)."""
    response = StreamingHttpResponse(
        personal_data_zip(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=zip_filename(request.user)
    )
    response["Cache-Control"] = "private, no-store"
    return response
