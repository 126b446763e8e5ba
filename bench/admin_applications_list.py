"""Time the offices' applications list in admin with 100,000 applications.

Run against a throwaway PostgreSQL database (it refuses a database holding real
applications), e.g.:

    createdb -h 127.0.0.1 -U postgres exchange_portal_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/exchange_portal_bench
    export ALLOWED_HOSTS=testserver
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/admin_applications_list.py

Prints, for a clerk and a superuser, the time and number of queries of the list
unfiltered, filtered, searched and deep in the pages.
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange_portal.settings")
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.applications.models import Application  # noqa: E402
from apps.programs.models import OFFICE_GROUPS, Program, Region  # noqa: E402

ROWS = 100_000
URL = "/admin/applications/application/"
QUERIES = ["", "?status=submitted", "?q=学生123", "?school=法学院&status=approved", "?p=500"]


def fill():
    if Application.objects.exclude(student__username__startswith="bench").exists():
        sys.exit("This database holds real applications: use a throwaway database.")
    if Application.objects.count() >= ROWS:
        return
    now = timezone.now()
    programs = [
        Program.objects.create(
            region=random.choice(list(Region)),
            title=f"基准项目{i}",
            partner="合作大学",
            country="日本",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=10),
            start_date=now.date(),
            end_date=now.date() + timedelta(days=100),
        )
        for i in range(40)
    ]
    users = User.objects.bulk_create(
        [User(username=f"bench{i:07d}") for i in range(ROWS)], batch_size=5000
    )
    schools = ["计算机学院", "外国语学院", "经济与管理学院", "法学院"]
    statuses = ["submitted"] * 6 + ["approved", "rejected", "returned", "draft", "withdrawn"]
    Application.objects.bulk_create(
        [
            Application(
                student=user,
                program=random.choice(programs),
                name=f"学生{i}",
                school=random.choice(schools),
                status=random.choice(statuses),
                has_passport=False,
                submitted_at=now - timedelta(minutes=i),
            )
            for i, user in enumerate(users)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    fill()
    clerk, _ = User.objects.get_or_create(username="bench_clerk", defaults={"is_staff": True})
    clerk.groups.add(Group.objects.get(name=OFFICE_GROUPS[Region.INTERNATIONAL]))
    admin, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"is_staff": True, "is_superuser": True}
    )
    for user in (clerk, admin):
        client = Client()
        client.force_login(user)
        for params in QUERIES:
            client.get(URL + params)  # warm up
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL + params)
            elapsed = (time.perf_counter() - start) * 1000
            print(
                f"{user.username:12} {params or '(all)':32} {response.status_code} "
                f"{elapsed:6.0f} ms {len(queries):3} queries"
            )


if __name__ == "__main__":
    main()
