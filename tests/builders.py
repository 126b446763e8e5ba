"""Builders for applications and their files, through the real services."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from apps.applications import services
from apps.attachments.models import AttachmentKind
from apps.attachments.validators import check_upload

# The data migrations that make the office groups and give them their permissions, in
# order: (module, function). A transactional (browser) test flushes every table, groups
# and their permissions included, so a test that needs them asks office_group(), which
# runs these again when a flush took them.
OFFICE_GROUP_MIGRATIONS = [
    ("apps.applications.migrations.0005_office_groups", "create_office_groups"),
    ("apps.accounts.migrations.0003_login_lockout", "let_offices_unlock"),
    ("apps.applications.migrations.0012_office_head_groups", "create_office_head_groups"),
]


def office_groups():
    """The office groups (and their heads' groups) as the migrations left them, made again
    after a flush."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    from apps.applications.models import OFFICE_HEAD_GROUPS
    from apps.programs.models import OFFICE_GROUPS

    names = [*OFFICE_GROUPS.values(), *OFFICE_HEAD_GROUPS.values()]
    groups = Group.objects.filter(name__in=names, permissions__isnull=False)
    if groups.distinct().count() < len(names):
        for module, function in OFFICE_GROUP_MIGRATIONS:
            getattr(import_module(module), function)(apps, None)
    return {group.name: group for group in Group.objects.filter(name__in=names)}


def office_group(region):
    """The office group of `region`, with the permissions its data migrations gave it."""
    from apps.programs.models import OFFICE_GROUPS

    return office_groups()[OFFICE_GROUPS[region]]


def clerk(*regions, superuser=False):
    """A staff account in the office group of each region (none: staff of no office)."""
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=superuser)
    for region in regions:
        user.groups.add(office_group(region))
    return user


def office_admin():
    """The administrator who approves and enters results where that is only the setup."""
    from tests.factories import UserFactory

    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def pdf_upload(name="成绩单.pdf"):
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def checked(kind, upload=None):
    upload = upload or pdf_upload(f"{kind}.pdf")
    return (kind, upload, check_upload(upload))


def attach(application, data, name, kind=AttachmentKind.TRANSCRIPT):
    """Store `data` as the form does: checked, then saved by the service; return the row."""
    uploaded = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    services.save_draft(
        application=application,
        user=application.student,
        changes={},
        new_files=[(kind, uploaded, check_upload(uploaded))],
    )
    return application.attachments.order_by("-pk").first()


def form_data(application):
    """The application form as the browser sends it back unchanged."""
    data = {}
    for name in ["name", "name_en", "gender", "school", "major", "degree_level", "phone", "email"]:
        data[name] = getattr(application, name)
    data["enrollment_year"] = application.enrollment_year or ""
    data["has_passport"] = {True: "True", False: "False", None: ""}[application.has_passport]
    return data


COMPLETE = {
    "name": "张晓明",
    "name_en": "Zhang Xiaoming",
    "gender": "male",
    "school": "计算机学院",
    "major": "软件工程",
    "degree_level": "undergraduate",
    "enrollment_year": 2023,
    "phone": "13800000000",
    "email": "zxm@example.edu",
    "language_test": "",
    "language_score": None,
    "has_passport": False,
    "passport_number": "",
    "passport_expiry": None,
}


def passport(years=3):
    return {
        "has_passport": True,
        "passport_number": "E12345678",
        "passport_expiry": timezone.localdate() + timedelta(days=365 * years),
    }


def returned_and_fixed(application, actor, items, *, changes=None, resubmit=True):
    """退回修改 with `items` ({field or slot: note}), then the student replaces the
    transcript (and makes `changes`) and, by default, submits again. Returns the
    application and the transcript's old version."""
    services.return_application(
        application=application, actor=actor, comment="请按说明修改。", items=items
    )
    old = application.attachments.get(kind=AttachmentKind.TRANSCRIPT)
    services.save_draft(
        application=application,
        user=application.student,
        changes=changes or {},
        remove_ids=[old.pk],
        new_files=[checked(AttachmentKind.TRANSCRIPT)],
    )
    if resubmit:
        application = services.submit_application(application=application, user=application.student)
    return application, old
