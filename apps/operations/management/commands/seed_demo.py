"""Demo data for a newcomer's laptop: programs in both tracks and accounts to sign in with."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from apps.accounts.models import StudentProfile
from apps.applications import fragments, row_cache, services
from apps.applications.models import OFFICE_HEAD_GROUPS, AdmissionResult, LanguageTest
from apps.attachments.models import AttachmentKind
from apps.attachments.validators import check_upload
from apps.operations.demo import (
    DEFAULT_PASSWORD,
    DEFAULT_REQUIREMENTS,
    DESCRIPTION,
    PROGRAMS,
    REQUIREMENTS,
    STAFF,
    STUDENTS,
    TERM_LEAD,
    last_term,
    next_term,
    prose,
    term_of,
    window,
)
from apps.programs import catalog_cache
from apps.programs.models import OFFICE_GROUPS, Program, ProgramRequirement, Region


class Command(BaseCommand):
    help = "Create (or refresh) demo programs and accounts. Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password for every demo account."
        )

    def handle(self, *args, password, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with known passwords: DEBUG must be on.")
        with transaction.atomic():
            programs = self._programs()
            accounts = self._accounts(password)
            self._applications()
        self.stdout.write(self.style.SUCCESS(f"{programs} demo programs in two tracks."))
        self.stdout.write(f"Demo accounts (password for all: {password}):")
        for username, role in accounts:
            self.stdout.write(f"  {username:<16} {role}")

    def _programs(self):
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        count = 0
        for region, rows in PROGRAMS.items():
            for index, (title, partner, country, state) in enumerate(rows):
                opens_at, closes_at = window(state, now, index % 6)
                start, end, term, duration = next_term(
                    term_of(title, index), timezone.localdate(closes_at + TERM_LEAD)
                )
                program, _created = Program.objects.update_or_create(
                    region=region,
                    title=title,
                    defaults={
                        "partner": partner,
                        "country": country,
                        "description": DESCRIPTION.format(partner=partner),
                        "quota": 2 + index % 5 if index % 4 else None,
                        "eligibility": prose(title, region)[0],
                        "language_requirement": prose(title, region)[1],
                        "term": term,
                        "duration": duration,
                        "start_date": start,
                        "end_date": end,
                        "opens_at": opens_at,
                        "closes_at": closes_at,
                        "contact": "学生出国事务办公室 027-6875xxxx"
                        if region == Region.INTERNATIONAL
                        else "港澳台事务办公室 027-6875xxxx",
                        "is_published": True,
                    },
                )
                rows = REQUIREMENTS.get(title, DEFAULT_REQUIREMENTS[region])
                program.requirements.all().delete()
                ProgramRequirement.objects.bulk_create(
                    ProgramRequirement(program=program, **row) for row in rows
                )
                count += 1
        return count

    def _accounts(self, password):
        User = get_user_model()
        accounts = []
        for student in STUDENTS:
            user = self._user(User, student["username"], password)
            StudentProfile.objects.update_or_create(user=user, defaults=student["profile"])
            accounts.append((user.username, "student / 学生"))
        for clerk in STAFF:
            user = self._user(User, clerk["username"], password, is_staff=True)
            user.first_name, user.last_name = clerk["first_name"], clerk["last_name"]
            user.save(update_fields=["first_name", "last_name"])
            # The office groups and their permissions come with the migrations.
            office = Group.objects.get(name=OFFICE_GROUPS[clerk["region"]])
            user.groups.add(office)
            if clerk.get("head"):
                user.groups.add(Group.objects.get(name=OFFICE_HEAD_GROUPS[clerk["region"]]))
                accounts.append((user.username, "office head / 办公室负责人"))
            else:
                accounts.append((user.username, "office staff / 审核员"))
        self._user(User, "admin", password, is_staff=True, is_superuser=True)
        accounts.append(("admin", "administrator / 管理员"))
        return accounts

    def _applications(self):
        """The first demo student has one submitted application and one half-done draft;
        the second one application waiting for the HMT office (no score yet: 补录分数);
        the third came back from last year's exchange (录取: 填写交流总结)."""
        self._hmt_application()
        self._past_exchange()
        student = get_user_model().objects.get(username=STUDENTS[0]["username"])
        if student.applications.exists():
            return
        open_programs = Program.objects.in_region(Region.INTERNATIONAL).open_now().order_by("pk")
        submitted, draft = open_programs[0], open_programs[1]

        files = [
            _demo_file(AttachmentKind.TRANSCRIPT, "中英文成绩单.pdf"),
            _demo_file(AttachmentKind.ENROLLMENT, "在读证明.pdf"),
            _demo_file(AttachmentKind.LANGUAGE, "雅思成绩截图.png"),
        ]
        changes = {
            "name_en": "Zhang Xiaoming",
            "phone": "13800001234",
            "email": "zhangxm@example.edu.cn",
            "language_test": LanguageTest.IELTS,
            "language_score": Decimal("7.0"),
            "has_passport": True,
            "passport_number": "E12345678",
            "passport_expiry": timezone.localdate() + timedelta(days=5 * 365),
        }
        today = timezone.localdate()
        application = _submit(student, submitted, changes, files)
        _date_history(
            application,
            created=_at(today - timedelta(days=6), 20, 15),
            submitted=_at(today - timedelta(days=4), 9, 40),
        )

        application, _ = services.start_application(program=draft, student=student)
        services.save_draft(
            application=application, user=student, changes={"name_en": "Zhang Xiaoming"}
        )
        _date_history(
            application,
            created=_at(today - timedelta(days=2), 21, 5),
            saved=_at(today - timedelta(days=1), 12, 30),
        )

    def _hmt_application(self):
        student = get_user_model().objects.get(username=STUDENTS[1]["username"])
        if student.applications.exists():
            return
        program = Program.objects.in_region(Region.HMT).open_now().order_by("pk").first()
        files = [
            _demo_file(AttachmentKind.TRANSCRIPT, "成绩单.pdf"),
            _demo_file(AttachmentKind.ENROLLMENT, "在读证明.pdf"),
        ]
        changes = {
            "major": "金融学",
            "phone": "13900002222",
            "email": "liyt@example.edu.cn",
            "has_passport": False,
        }
        application = _submit(student, program, changes, files)
        today = timezone.localdate()
        _date_history(
            application,
            created=_at(today - timedelta(days=5), 14, 10),
            submitted=_at(today - timedelta(days=3), 16, 25),
        )

    def _past_exchange(self):
        """An exchange that already took place: applied, approved, admitted, back home.

        The last autumn term that has ended, applied for in the spring before it. It goes
        through the services while its window is open, then the window and the history
        move back to when they happened."""
        student = get_user_model().objects.get(username=STUDENTS[2]["username"])
        if student.applications.exists():
            return
        now = timezone.now()
        today = timezone.localdate()
        start, end, term, duration = last_term("autumn", today - timedelta(days=30))
        program, _ = Program.objects.update_or_create(
            region=Region.INTERNATIONAL,
            title=f"墨尔本大学{start.year}年秋季学期交换项目",
            defaults={
                "partner": "墨尔本大学",
                "country": "澳大利亚",
                "description": DESCRIPTION.format(partner="墨尔本大学"),
                "eligibility": prose("", Region.INTERNATIONAL)[0],
                "language_requirement": prose("", Region.INTERNATIONAL)[1],
                "term": term,
                "duration": duration,
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=1),
                "start_date": start,
                "end_date": end,
                "is_published": True,
            },
        )
        files = [
            _demo_file(AttachmentKind.TRANSCRIPT, "成绩单.pdf"),
            _demo_file(AttachmentKind.ENROLLMENT, "在读证明.pdf"),
            _demo_file(AttachmentKind.LANGUAGE, "托福成绩.pdf"),
        ]
        changes = {
            "name_en": "Wang Kexin",
            "gender": "female",
            "degree_level": "undergraduate",
            "school": "经济与管理学院",
            "major": "会计学",
            "enrollment_year": 2022,
            "phone": "13700003333",
            "email": "wangkx@example.edu.cn",
            "language_test": LanguageTest.TOEFL,
            "language_score": Decimal("102"),
            "has_passport": True,
            "passport_number": "EA7654321",
            "passport_expiry": today + timedelta(days=4 * 365),
        }
        application = _submit(student, program, changes, files)
        office = get_user_model().objects.get(username="intl_clerk")
        application = services.approve_application(application=application, actor=office)
        services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=office
        )
        # Applications open in March and close in April; the office reviews after the
        # deadline, the partner school answers some weeks later.
        opens_at = _at(start - timedelta(days=170), 9)
        closes_at = _at(start - timedelta(days=130), 17)
        reviewed, answered = (
            closes_at.date() + timedelta(days=6),
            closes_at.date() + timedelta(days=48),
        )
        Program.objects.filter(pk=program.pk).update(opens_at=opens_at, closes_at=closes_at)
        catalog_cache.bump_version()  # update() sends no signal
        _date_history(
            application,
            created=_at(opens_at.date() + timedelta(days=6), 10, 20),
            submitted=_at(opens_at.date() + timedelta(days=9), 15, 5),
            approved=_at(reviewed, 11, 40),
            admitted=_at(answered, 14, 15),
        )

    @staticmethod
    def _user(User, username, password, **flags):
        user, _ = User.objects.get_or_create(username=username)
        for flag, value in flags.items():
            setattr(user, flag, value)
        user.set_password(password)
        user.save()
        return user


def _at(day, hour, minute=0):
    """`day` at `hour`:`minute`, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _date_history(application, *, created, saved=None, **reached):
    """Dates a demo application's history as it would have happened, not all today:
    created (and its files uploaded) at `created`, each status or admission result in
    `reached` (submitted=…, approved=…, admitted=…) at its moment, last saved at `saved`."""
    moments = {"draft": created, **reached}
    student = application.student
    for event in application.events.all():
        if when := moments.get(event.to_value):
            application.events.filter(pk=event.pk).update(created_at=when)
            student.notices.filter(event=event).update(created_at=when)
    application.attachments.update(uploaded_at=created + timedelta(minutes=12))
    student.applications.filter(pk=application.pk).update(
        created_at=created,
        submitted_at=reached.get("submitted"),
        updated_at=max([saved or created, *reached.values()]),
    )
    fragments.forget_list([student.pk])  # update() sends no signal
    row_cache.forget([(student.pk, application.pk)])


def _submit(student, program, changes, files):
    """报名, fill in, upload and 提交, as the student would."""
    application, _ = services.start_application(program=program, student=student)
    services.save_draft(application=application, user=student, changes=changes, new_files=files)
    return services.submit_application(application=application, user=student)


def _demo_file(kind, name):
    """A small real file of the right type, so that the upload checks accept it."""
    buffer = io.BytesIO()
    if name.endswith(".pdf"):
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.write(buffer)
        content_type = "application/pdf"
    else:
        Image.new("RGB", (640, 400), (235, 240, 248)).save(buffer, "PNG")
        content_type = "image/png"
    upload = SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)
    return kind, upload, check_upload(upload)
