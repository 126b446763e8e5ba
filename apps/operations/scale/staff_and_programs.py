"""The office's accounts the benchmark signs in with, and the programs of both tracks."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from apps.programs.models import OFFICE_GROUPS, Program, ProgramRequirement, Region

from .database import progress
from .names import CLERKS, KINDS, PARTNERS, SEED_CONTACT, SUPERUSER, TERMS


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


# Every program gets requirements (bench/run's budgets hold with them): cycled by index.
_LANGUAGES = [
    (("ielts", "6.5"), ("toefl", "90")),
    (("ielts", "6"), ("toefl", "80"), ("cet6", "500")),
    (("jlpt", "100"), ("ielts", "6.5")),
]


def make_requirements(programs):
    """申请条件 on every program: accepted language tests (international), degree,
    year of study, a GPA on some, a college excluded on others; some checked at 提交."""
    rows = []
    for i, program in enumerate(programs):
        if program.region == Region.INTERNATIONAL:
            rows += [
                ProgramRequirement(
                    program=program,
                    kind="language",
                    language_test=test,
                    minimum=Decimal(score),
                    required=i % 2 == 0,
                )
                for test, score in _LANGUAGES[i % len(_LANGUAGES)]
            ]
        rows.append(
            ProgramRequirement(program=program, kind="degree", degree_level="undergraduate")
        )
        if i % 4 == 0:
            rows.append(ProgramRequirement(program=program, kind="degree", degree_level="master"))
        rows.append(ProgramRequirement(program=program, kind="year", minimum=1 + i % 3))
        if i % 5 == 0:
            rows.append(ProgramRequirement(program=program, kind="gpa", minimum=Decimal("3.0")))
        if i % 7 == 0:
            rows.append(
                ProgramRequirement(program=program, kind="college", names="医学院", excluded=True)
            )
    ProgramRequirement.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
