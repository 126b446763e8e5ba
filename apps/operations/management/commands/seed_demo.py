"""Demo data for a newcomer's laptop: programs in both tracks and accounts to sign in with."""

import io
from datetime import date, datetime, time, timedelta
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

from apps.accounts.models import DegreeLevel, Gender, StudentProfile
from apps.applications import fragments, row_cache, services
from apps.applications.models import OFFICE_HEAD_GROUPS, AdmissionResult, LanguageTest
from apps.attachments.models import AttachmentKind
from apps.attachments.validators import check_upload
from apps.programs import catalog_cache
from apps.programs.models import OFFICE_GROUPS, Program, Region

DEFAULT_PASSWORD = "demo-pass-2026"

# (title, partner, country, state); states: open, upcoming, closed.
PROGRAMS = {
    Region.INTERNATIONAL: [
        ("东京大学本科生交换项目", "东京大学", "日本", "open"),
        ("新加坡国立大学学期交流项目", "新加坡国立大学", "新加坡", "open"),
        ("多伦多大学暑期研修项目", "多伦多大学", "加拿大", "open"),
        ("墨尔本大学学期交换项目", "墨尔本大学", "澳大利亚", "open"),
        ("慕尼黑工业大学工科交换项目", "慕尼黑工业大学", "德国", "open"),
        ("巴黎萨克雷大学研究生交流项目", "巴黎萨克雷大学", "法国", "open"),
        ("加州大学伯克利分校暑期学术项目", "加州大学伯克利分校", "美国", "upcoming"),
        ("曼彻斯特大学学年交换项目", "曼彻斯特大学", "英国", "upcoming"),
        ("首尔大学学期交换项目", "首尔大学", "韩国", "upcoming"),
        ("哥本哈根大学春季交换项目", "哥本哈根大学", "丹麦", "closed"),
        ("苏黎世联邦理工学院科研实习项目", "苏黎世联邦理工学院", "瑞士", "closed"),
        ("京都大学短期访学项目", "京都大学", "日本", "closed"),
        ("莫纳什大学学期交换项目", "莫纳什大学", "澳大利亚", "closed"),
    ],
    Region.HMT: [
        ("香港大学学期交流项目", "香港大学", "中国香港", "open"),
        ("香港中文大学学期交流项目", "香港中文大学", "中国香港", "open"),
        ("香港科技大学工学院交流项目", "香港科技大学", "中国香港", "open"),
        ("澳门大学学期交流项目", "澳门大学", "中国澳门", "open"),
        ("台湾大学学期交流项目", "台湾大学", "中国台湾", "open"),
        ("台湾清华大学学期交流项目", "台湾清华大学", "中国台湾", "open"),
        ("香港城市大学暑期研习项目", "香港城市大学", "中国香港", "upcoming"),
        ("澳门科技大学短期交流项目", "澳门科技大学", "中国澳门", "upcoming"),
        ("政治大学学期交流项目", "政治大学", "中国台湾", "upcoming"),
        ("香港理工大学学期交流项目", "香港理工大学", "中国香港", "closed"),
        ("成功大学学期交流项目", "成功大学", "中国台湾", "closed"),
        ("香港浸会大学学期交流项目", "香港浸会大学", "中国香港", "closed"),
        ("台湾师范大学暑期研习项目", "台湾师范大学", "中国台湾", "closed"),
    ],
}

LANGUAGE_REQUIREMENT = {
    Region.INTERNATIONAL: (
        "雅思 6.5（单项不低于 6.0）或托福 90 分及以上；日语、德语、法语项目另有要求的从其规定。"
    ),
    Region.HMT: "普通话授课，无外语成绩要求；部分课程为英语授课，建议具备大学英语六级水平。",
}

DESCRIPTION = (
    "{partner}是我校的校际交流合作院校。入选学生在交流期间免交{partner}学费，"
    "按我校学籍管理规定办理学分认定。\n\n"
    "请在报名截止前提交申请表及中英文成绩单、中英文在读证明、外语水平证明等附件。"
)
ELIGIBILITY = "全日制在读本科生或研究生；学习成绩优良，无违纪记录；身体健康。"

STUDENTS = [
    {
        "username": "2023301000001",
        "profile": {
            "name": "张晓明",
            "name_en": "Zhang Xiaoming",
            "gender": Gender.MALE,
            "school": "计算机学院",
            "major": "计算机科学与技术",
            "degree_level": DegreeLevel.UNDERGRADUATE,
            "enrollment_year": 2023,
            "phone": "13800138001",
            "email": "zhangxm@example.edu.cn",
        },
    },
    {
        "username": "2024202000002",
        "profile": {
            "name": "李雨桐",
            "name_en": "Li Yutong",
            "gender": Gender.FEMALE,
            "school": "经济与管理学院",
            "major": "金融学",
            "degree_level": DegreeLevel.MASTER,
            "enrollment_year": 2024,
        },
    },
    {"username": "2022301000003", "profile": {"name": "王可欣"}},
]

STAFF = [
    {
        "username": "intl_clerk",
        "first_name": "国际交流部",
        "last_name": "审核员",
        "region": Region.INTERNATIONAL,
    },
    {
        "username": "hmt_clerk",
        "first_name": "港澳台办",
        "last_name": "审核员",
        "region": Region.HMT,
    },
    # The international office's head: a clerk who may also 撤销审核.
    {
        "username": "intl_head",
        "first_name": "国际交流部",
        "last_name": "负责人",
        "region": Region.INTERNATIONAL,
        "head": True,
    },
]


# The university's calendar: (first day, last day, the term's name, how long). An autumn
# term runs into January; a program applied for now starts in the first such term after
# its deadline and the partner school's nomination (TERM_LEAD).
TERMS = {
    "autumn": ((9, 1), (1, 15), "{y}-{y1}学年秋季学期", "一学期"),
    "spring": ((2, 23), (6, 30), "{y}年春季学期", "一学期"),
    "year": ((9, 1), (6, 30), "{y}-{y1}学年", "一学年"),
    "summer": ((7, 6), (8, 14), "{y}年暑期", "六周"),
    "short": ((7, 13), (8, 7), "{y}年暑期", "四周"),
}
TERM_LEAD = timedelta(days=30)


def term_of(title, index):
    """Which kind of term a demo program is, by what its title says."""
    if "暑期" in title:
        return "summer"
    if "短期" in title or "实习" in title:
        return "short"
    if "学年" in title:
        return "year"
    if "春季" in title:
        return "spring"
    if "秋季" in title:
        return "autumn"
    return "spring" if index % 2 else "autumn"


def term_dates(kind, year):
    """(start, end, name, duration) of the `kind` term beginning in `year`."""
    (start_month, start_day), (end_month, end_day), name, duration = TERMS[kind]
    start = date(year, start_month, start_day)
    end = date(year + ((end_month, end_day) < (start_month, start_day)), end_month, end_day)
    return start, end, name.format(y=year, y1=year + 1), duration


def next_term(kind, after):
    """The first `kind` term that begins after the day `after`."""
    year = after.year
    while (term := term_dates(kind, year))[0] <= after:
        year += 1
    return term


def last_term(kind, before):
    """The last `kind` term that ended before the day `before`."""
    year = before.year
    while (term := term_dates(kind, year))[1] >= before:
        year -= 1
    return term


def _window(state, now, index):
    if state == "open":
        return now - timedelta(days=10 + index), now + timedelta(days=7 + 6 * index)
    if state == "upcoming":
        return now + timedelta(days=5 + 3 * index), now + timedelta(days=35 + 3 * index)
    return now - timedelta(days=60 + 5 * index), now - timedelta(days=3 + 4 * index)


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
                opens_at, closes_at = _window(state, now, index % 6)
                start, end, term, duration = next_term(
                    term_of(title, index), timezone.localdate(closes_at + TERM_LEAD)
                )
                Program.objects.update_or_create(
                    region=region,
                    title=title,
                    defaults={
                        "partner": partner,
                        "country": country,
                        "description": DESCRIPTION.format(partner=partner),
                        "quota": 2 + index % 5 if index % 4 else None,
                        "eligibility": ELIGIBILITY,
                        "language_requirement": LANGUAGE_REQUIREMENT[region],
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
                "eligibility": ELIGIBILITY,
                "language_requirement": LANGUAGE_REQUIREMENT[Region.INTERNATIONAL],
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
