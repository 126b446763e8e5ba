"""University-scale data for the load benchmark (`manage.py seed_scale`).

Everything is made with `bulk_create` in batches of students, so memory stays flat and
150,000 applications take minutes. Each batch is consistent on its own: an application's
status agrees with its history rows, its attachments, its score supplement and its
summary, and every row satisfies the database's CHECK constraints. `bulk_create` sends
no signal: nothing cached of the new students (近期申请列表's version) is forgotten, which
is right for students no page has been served to yet (it seeds, never changes, rows).

Attachment files are real (a few small PDFs and JPEGs written once) and each attachment
row gets its own path, hard-linked to one of those originals (copied where the file system
refuses another link), so downloads work and the disk holds only a few hundred KB.
"""

import contextlib
import io
import os
import random
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, reset_queries
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from apps.accounts.models import DegreeLevel, Gender, StudentProfile
from apps.applications.models import (
    AdmissionResult,
    Application,
    ApplicationEvent,
    EventKind,
    LanguageTest,
    Notice,
    Status,
)
from apps.attachments.models import Attachment, AttachmentKind
from apps.core.storage import is_local, walk
from apps.programs.models import OFFICE_GROUPS, Program, Region
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

# Seeded rows are recognisable: programs by their contact, accounts by their usernames.
SEED_CONTACT = "exchange-office@scale.example.edu"
STUDENT_PREFIX = "99"  # 学号 99xxxxxxxxxxx: 13 digits like the real ones, never issued
CLERKS = {
    "scale_intl_clerk": Region.INTERNATIONAL,
    "scale_hmt_clerk": Region.HMT,
}
SUPERUSER = "scale_admin"
DEFAULT_PASSWORD = "scale-pass-2026"
BATCH_STUDENTS = 5000
ORIGINALS_PER_KIND = 16

PARTNERS = {
    Region.INTERNATIONAL: [
        ("东京大学", "日本"),
        ("京都大学", "日本"),
        ("新加坡国立大学", "新加坡"),
        ("多伦多大学", "加拿大"),
        ("墨尔本大学", "澳大利亚"),
        ("莫纳什大学", "澳大利亚"),
        ("慕尼黑工业大学", "德国"),
        ("巴黎萨克雷大学", "法国"),
        ("加州大学伯克利分校", "美国"),
        ("曼彻斯特大学", "英国"),
        ("首尔大学", "韩国"),
        ("哥本哈根大学", "丹麦"),
        ("苏黎世联邦理工学院", "瑞士"),
        ("阿姆斯特丹大学", "荷兰"),
        ("隆德大学", "瑞典"),
    ],
    Region.HMT: [
        ("香港大学", "中国香港"),
        ("香港中文大学", "中国香港"),
        ("香港科技大学", "中国香港"),
        ("香港城市大学", "中国香港"),
        ("香港理工大学", "中国香港"),
        ("澳门大学", "中国澳门"),
        ("澳门科技大学", "中国澳门"),
        ("台湾大学", "中国台湾"),
        ("台湾清华大学", "中国台湾"),
        ("政治大学", "中国台湾"),
        ("成功大学", "中国台湾"),
    ],
}
KINDS = ["学期交换项目", "暑期研修项目", "学年交换项目", "短期访学项目", "科研实习项目"]
TERMS = ["春季学期", "秋季学期", "暑期", "学年"]
SCHOOLS = {
    "计算机学院": ["计算机科学与技术", "软件工程", "人工智能"],
    "外国语学院": ["英语", "日语", "法语"],
    "经济与管理学院": ["金融学", "会计学", "工商管理"],
    "法学院": ["法学", "知识产权"],
    "物理学院": ["物理学", "应用物理学"],
    "生命科学学院": ["生物科学", "生物技术"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["晓明", "雨桐", "可欣", "子涵", "浩然", "思远", "佳怡", "一诺", "宇航", "欣怡", "俊杰"]
PINYIN = dict(
    zip(
        SURNAMES,
        [
            "Wang",
            "Li",
            "Zhang",
            "Liu",
            "Chen",
            "Yang",
            "Huang",
            "Zhao",
            "Wu",
            "Zhou",
            "Xu",
            "Sun",
            "Ma",
            "Zhu",
            "Hu",
            "Guo",
            "He",
            "Lin",
            "Luo",
            "Gao",
        ],
        strict=True,
    )
)
SCORES = {
    LanguageTest.IELTS: ["6.0", "6.5", "7.0", "7.5"],
    LanguageTest.TOEFL: ["88", "95", "102", "110"],
    LanguageTest.CET6: ["480", "525", "560", "610"],
    LanguageTest.JLPT: ["120", "140", "160"],
}
# What happens to applications, in proportion (drafts and decisions as in a busy season).
STATUS_WEIGHTS = {
    Status.DRAFT: 15,
    Status.SUBMITTED: 35,
    Status.RETURNED: 5,
    Status.APPROVED: 25,
    Status.REJECTED: 10,
    Status.WITHDRAWN: 10,
}
RESULT_WEIGHTS = {
    AdmissionResult.PENDING: 4,
    AdmissionResult.ADMITTED: 4,
    AdmissionResult.NOT_ADMITTED: 2,
}


def progress(label, done, total, out=sys.stderr):
    """A one-line progress bar, redrawn in place."""
    width = 30
    filled = width * done // max(total, 1)
    out.write(f"\r{label:14} [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{total}")
    if done >= total:
        out.write("\n")
    out.flush()


@contextlib.contextmanager
def explicit_timestamps(*model_classes):
    """Let bulk_create keep the created_at values we give (auto_now_add would overwrite)."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False)
    ]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


# --- State of the database ----------------------------------------------------------------


def seeded_counts():
    User = get_user_model()
    return {
        "programs": Program.objects.filter(contact=SEED_CONTACT).count(),
        "students": User.objects.filter(username__startswith=STUDENT_PREFIX).count(),
        "applications": Application.objects.count(),
    }


def holds_other_data():
    """Whether anything in the database was not made by this generator."""
    User = get_user_model()
    seeded_users = models.Q(username__startswith=STUDENT_PREFIX) | models.Q(
        username__in=[*CLERKS, SUPERUSER]
    )
    return (
        Program.objects.exclude(contact=SEED_CONTACT).exists()
        or User.objects.exclude(seeded_users).exists()
    )


def reset(storage=None):
    """Empty the portal's tables (and the attachment files): for throwaway databases only."""
    User = get_user_model()
    ordered = [
        Notice,
        ScoreSupplement,
        ReturnSummary,
        Attachment,
        ApplicationEvent,
        Application,
        Program,
        StudentProfile,
    ]
    tables = [m._meta.db_table for m in ordered] + [User._meta.db_table]
    from django.contrib.admin.models import LogEntry
    from django.contrib.sessions.models import Session

    tables += [LogEntry._meta.db_table, Session._meta.db_table]
    with contextlib.suppress(LookupError):
        from auditlog.models import LogEntry as AuditlogEntry

        tables.append(AuditlogEntry._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            # Inside a transaction, deferred foreign-key checks must run before TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        for model in ordered:
            model.objects.all()._raw_delete(connection.alias)
        User.objects.all().delete()
    storage = storage or default_storage
    if is_local(storage):
        shutil.rmtree(Path(storage.location) / "attachments", ignore_errors=True)
    else:
        for name in walk(storage, "attachments"):
            storage.delete(name)


# --- Files ------------------------------------------------------------------------------


class FilePool:
    """A few real files, stored under a new generated name for each attachment.

    On the local media folder each is a hard link to one of a few originals (395,000 files
    in seconds). On object storage (STORAGE_BACKEND=s3) each is uploaded through the
    storage API: one PUT per file, so seed a full-size benchmark bucket with patience.
    """

    def __init__(self, storage=None):
        self.storage = storage or default_storage
        self.local = is_local(self.storage)
        if self.local:
            self.root = Path(self.storage.location)
            self.originals = self.root / "seed_scale"
            self.originals.mkdir(parents=True, exist_ok=True)
        self.pdfs = [self._write(f"doc{i}.pdf", self._pdf(i)) for i in range(ORIGINALS_PER_KIND)]
        self.jpegs = [self._write(f"img{i}.jpg", self._jpeg(i)) for i in range(ORIGINALS_PER_KIND)]
        self.made_dirs = set()

    def _write(self, name, data):
        if not self.local:
            return data, len(data)
        path = self.originals / name
        if not path.exists() or path.stat().st_size != len(data):
            path.write_bytes(data)
        return path, len(data)

    @staticmethod
    def _pdf(i):
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Title": f"Seed document {i}"})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    @staticmethod
    def _jpeg(i):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (40 + 10 * i, 120, 160)).save(out, "JPEG", quality=80)
        return out.getvalue()

    def place(self, application_id, jpeg=False):
        """(storage name, size, content type) of a new file for `application_id`."""
        source, size = random.choice(self.jpegs if jpeg else self.pdfs)
        folder = f"attachments/{application_id}"
        kind = "image/jpeg" if jpeg else "application/pdf"
        if not self.local:
            name = self.storage.save(f"{folder}/{uuid.uuid4().hex}", ContentFile(source))
            return name, size, kind
        if folder not in self.made_dirs:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(folder)
        name = f"{folder}/{uuid.uuid4().hex}"
        try:
            os.link(source, self.root / name)
        except OSError:  # too many links, or no hard links on this file system
            shutil.copyfile(source, self.root / name)
        return name, size, kind


# --- Rows -----------------------------------------------------------------------------------


@dataclass
class Sizes:
    students: int
    programs: int
    applications: int


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_accounts(password):
    """The clerks and the superuser the benchmark signs in with (made or refreshed)."""
    User = get_user_model()
    hashed = make_password(password)
    for username, region in CLERKS.items():
        clerk, _ = User.objects.update_or_create(
            username=username, defaults={"is_staff": True, "password": hashed}
        )
        clerk.groups.set([Group.objects.get(name=OFFICE_GROUPS[region])])
    User.objects.update_or_create(
        username=SUPERUSER,
        defaults={"is_staff": True, "is_superuser": True, "password": hashed},
    )
    return hashed


def make_programs(count, rng, now):
    """Programs in both tracks (two international for one HMT), a third each open,
    upcoming and closed, a few unpublished."""
    programs = []
    for i in range(count):
        region = Region.HMT if i % 3 == 2 else Region.INTERNATIONAL
        partner, country = PARTNERS[region][i % len(PARTNERS[region])]
        kind = KINDS[(i // len(PARTNERS[region])) % len(KINDS)]
        year = 2026 - (i // 600)
        state = i % 3 if region == Region.INTERNATIONAL else (i // 3) % 3
        if state == 0:  # open
            opens = now - timedelta(days=rng.randint(1, 40))
            closes = now + timedelta(days=rng.randint(3, 60))
        elif state == 1:  # upcoming
            opens = now + timedelta(days=rng.randint(2, 60))
            closes = opens + timedelta(days=rng.randint(20, 60))
        else:  # closed
            closes = now - timedelta(days=rng.randint(1, 700))
            opens = closes - timedelta(days=rng.randint(20, 60))
        start = (closes + timedelta(days=rng.randint(20, 90))).date()
        programs.append(
            Program(
                region=region,
                title=f"{year}年{partner}{kind}（第{i // 100 + 1}期）",
                partner=partner,
                country=country,
                description=f"{partner}是我校的校际交流合作院校。入选学生免交对方学费，按规定认定学分。",
                quota=rng.choice([2, 5, 10, 20, None]),
                eligibility="全日制在读本科生或研究生；学习成绩优良。",
                language_requirement="雅思 6.5 或托福 90 分及以上。"
                if region == Region.INTERNATIONAL
                else "无外语成绩要求。",
                term=rng.choice(TERMS),
                duration=rng.choice(["一学期", "一学年", "四周"]),
                start_date=start,
                end_date=start + timedelta(days=rng.choice([28, 120, 300])),
                opens_at=opens,
                closes_at=closes,
                contact=SEED_CONTACT,
                is_published=rng.random() > 0.03,
            )
        )
    made = []
    for start in range(0, count, 1000):
        made += Program.objects.bulk_create(programs[start : start + 1000])
        progress("programs", len(made), count)
    return made


def _person(rng, index):
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
    school = rng.choice(list(SCHOOLS))
    return {
        "name": surname + given,
        "name_en": f"{PINYIN[surname]} Student{index}",
        "gender": rng.choice(Gender.values),
        "school": school,
        "major": rng.choice(SCHOOLS[school]),
        "degree_level": rng.choices(DegreeLevel.values, weights=[7, 2, 1])[0],
        "enrollment_year": rng.randint(2021, 2025),
        "phone": f"13{index:09d}",
        "email": f"s{index}@stu.scale.example.edu",
    }


class BatchBuilder:
    """Students, their profiles and applications, with everything that follows from each."""

    def __init__(self, rng, now, programs, hashed_password, files, actors):
        self.rng = rng
        self.now = now
        self.files = files
        self.hashed = hashed_password
        self.actors = actors  # region -> clerk user (who made the office's decisions)
        self.applicable = [p for p in programs if p.opens_at <= now]

    def students(self, first, last):
        User = get_user_model()
        users = User.objects.bulk_create(
            [
                User(username=f"{STUDENT_PREFIX}{i:011d}", password=self.hashed)
                for i in range(first, last)
            ],
            batch_size=2000,
        )
        people = [_person(self.rng, i) for i in range(first, last)]
        StudentProfile.objects.bulk_create(
            [StudentProfile(user=u, **p) for u, p in zip(users, people, strict=True)],
            batch_size=2000,
        )
        return list(zip(users, people, strict=True))

    def applications(self, students, per_student):
        """`per_student[i]` applications for students[i], to distinct programs."""
        rng = self.rng
        rows = []
        for (user, person), count in zip(students, per_student, strict=True):
            for program in rng.sample(self.applicable, count):
                rows.append(self._application(user, person, program))
        with explicit_timestamps(Application):
            return Application.objects.bulk_create(rows, batch_size=2000)

    def _application(self, user, person, program):
        rng = self.rng
        created = (
            program.opens_at + (min(self.now, program.closes_at) - program.opens_at) * rng.random()
        )
        status = _weighted(rng, STATUS_WEIGHTS)
        if program.closes_at <= self.now and status == Status.RETURNED:
            status = Status.REJECTED
        application = Application(
            student=user,
            program=program,
            status=status,
            created_at=created,
            **person,
        )
        complete = status != Status.DRAFT or rng.random() < 0.5
        if complete:
            if rng.random() < 0.7:
                test = rng.choice(list(SCORES))
                application.language_test = test
                application.language_score = Decimal(rng.choice(SCORES[test]))
            application.has_passport = rng.random() < 0.6
            if application.has_passport:
                application.passport_number = f"E{rng.randint(10000000, 99999999)}"
                application.passport_expiry = program.end_date + timedelta(
                    days=rng.randint(100, 2000)
                )
        else:
            application.school = ""  # a half-filled draft
        if status != Status.DRAFT:
            application.submitted_at = created + timedelta(hours=rng.randint(1, 72))
        if status == Status.APPROVED:
            application.admission_result = _weighted(rng, RESULT_WEIGHTS)
        return application

    def follow_ups(self, applications):
        """History, attachments, score supplements and summaries of `applications`."""
        rng, today = self.rng, timezone.localdate()
        events, attachments, supplements, summaries = [], [], [], []
        for app in applications:
            actor = self.actors[app.program.region]
            at = app.created_at
            events.append(self._event(app, app.student, at, "", Status.DRAFT))
            if app.status == Status.DRAFT:
                continue
            at = app.submitted_at
            events.append(self._event(app, app.student, at, Status.DRAFT, Status.SUBMITTED))
            for kind in (
                AttachmentKind.TRANSCRIPT,
                AttachmentKind.ENROLLMENT,
                AttachmentKind.LANGUAGE,
            ):
                attachments.append(
                    self._attachment(
                        app, kind, at, jpeg=kind == AttachmentKind.ENROLLMENT and rng.random() < 0.5
                    )
                )
            decided = at + timedelta(days=rng.randint(1, 10))
            if app.status == Status.WITHDRAWN:
                events.append(
                    self._event(app, app.student, decided, Status.SUBMITTED, Status.WITHDRAWN)
                )
            elif app.status == Status.RETURNED:
                events.append(
                    self._event(
                        app,
                        actor,
                        decided,
                        Status.SUBMITTED,
                        Status.RETURNED,
                        "请补充盖章的在读证明。",
                    )
                )
            elif app.status == Status.REJECTED:
                events.append(
                    self._event(
                        app,
                        actor,
                        decided,
                        Status.SUBMITTED,
                        Status.REJECTED,
                        "名额有限，未能通过。",
                    )
                )
            elif app.status == Status.APPROVED:
                events.append(self._event(app, actor, decided, Status.SUBMITTED, Status.APPROVED))
                if app.admission_result != AdmissionResult.PENDING:
                    events.append(
                        self._event(
                            app,
                            actor,
                            decided + timedelta(days=20),
                            AdmissionResult.PENDING,
                            app.admission_result,
                            kind=EventKind.ADMISSION,
                        )
                    )
            if (
                app.status in (Status.SUBMITTED, Status.APPROVED)
                and app.language_score is None
                and rng.random() < 0.4
            ):
                supplements.append(self._supplement(app, decided))
                events.append(
                    self._event(
                        app,
                        app.student,
                        decided,
                        "",
                        f"{app.language_test} {app.language_score}",
                        kind=EventKind.SCORE,
                    )
                )
                attachments.append(self._attachment(app, AttachmentKind.SCORE_PROOF, decided))
            if (
                app.admission_result == AdmissionResult.ADMITTED
                and app.program.start_date < today
                and rng.random() < 0.6
            ):
                summary = ReturnSummary(
                    application=app,
                    return_date=min(today, app.program.start_date + timedelta(days=120)),
                )
                if rng.random() < 0.5:
                    summary.submitted_at = timezone.now()
                    events.append(
                        self._event(
                            app,
                            app.student,
                            summary.submitted_at,
                            "",
                            "submitted",
                            kind=EventKind.SUMMARY,
                        )
                    )
                summaries.append(summary)
                attachments.append(self._attachment(app, AttachmentKind.SUMMARY, decided))
        with explicit_timestamps(ApplicationEvent, Attachment):
            ApplicationEvent.objects.bulk_create(events, batch_size=5000)
            Attachment.objects.bulk_create(attachments, batch_size=5000)
        ScoreSupplement.objects.bulk_create(supplements, batch_size=5000)
        ReturnSummary.objects.bulk_create(summaries, batch_size=5000)
        # Supplemented scores are on the application too (as the service leaves them).
        Application.objects.bulk_update(
            [s.application for s in supplements],
            ["language_test", "language_score"],
            batch_size=2000,
        )
        return len(events), len(attachments)

    def _event(self, app, actor, at, from_value, to_value, comment="", kind=EventKind.STATUS):
        return ApplicationEvent(
            application=app,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            comment=comment,
            actor=actor,
            created_at=at,
        )

    def _attachment(self, app, kind, at, jpeg=False):
        name, size, content_type = self.files.place(app.pk, jpeg=jpeg)
        suffix = "jpg" if jpeg else "pdf"
        return Attachment(
            application=app,
            kind=kind,
            file=name,
            original_name=f"{AttachmentKind(kind).label}.{suffix}",
            size=size,
            content_type=content_type,
            uploaded_at=at,
        )

    def _supplement(self, app, at):
        test = self.rng.choice(list(SCORES))
        app.language_test = test
        app.language_score = Decimal(self.rng.choice(SCORES[test]))
        return ScoreSupplement(
            application=app, language_test=test, score=app.language_score, created_by=app.student
        )


def seed(sizes, password, seed_value=2026, out=sys.stderr):
    """Fill the (empty) database with `sizes`; returns what was made."""
    rng = random.Random(seed_value)
    now = timezone.now()
    files = FilePool()
    hashed = make_accounts(password)
    User = get_user_model()
    actors = {region: User.objects.get(username=name) for name, region in CLERKS.items()}
    programs = make_programs(sizes.programs, rng, now)
    builder = BatchBuilder(rng, now, programs, hashed, files, actors)
    # Spread the applications: every student gets `base`, the first `extra` one more.
    base, extra = divmod(sizes.applications, max(sizes.students, 1))
    made = {"applications": 0, "events": 0, "attachments": 0}
    for first in range(0, sizes.students, BATCH_STUDENTS):
        last = min(first + BATCH_STUDENTS, sizes.students)
        students = builder.students(first, last)
        per_student = [min(base + (i < extra), len(builder.applicable)) for i in range(first, last)]
        applications = builder.applications(students, per_student)
        events, attachments = builder.follow_ups(applications)
        made["applications"] += len(applications)
        made["events"] += events
        made["attachments"] += attachments
        progress("students", last, sizes.students, out)
        reset_queries()  # with DEBUG on, Django would keep every batch's SQL
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return made
