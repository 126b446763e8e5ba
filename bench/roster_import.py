"""Time the registrar's roster import (apps.accounts.roster) with 50,000 students.

    .venv/bin/python bench/roster_import.py            # a throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roster_bench \\
        .venv/bin/python bench/roster_import.py        # a throwaway PostgreSQL one

With no DATABASE_URL it makes (and removes) its own SQLite file; a PostgreSQL database
is migrated and must hold no users but the benchmark's (it refuses otherwise).

Three runs, each timed for reading the file, the preview and the confirmed import (the
same functions as the admin page and `manage.py import_roster`; the import checks every
row again inside its transaction, so the command costs read + import), with query counts:
the first import of the whole university (50,000 new accounts and profiles), the
nightly run of the same file (all unchanged), and a nightly run where 5,000 students
changed school. The budget: the first import under a minute.
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange_portal.settings")
_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="roster-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts import roster  # noqa: E402

STUDENTS = 50_000
PREFIX = "9"  # bench 学号: 9 followed by nine digits
HEADER = "学号,姓名,英文/拼音姓名,性别,学院,专业,学历层次,入学年份,手机号码,电子邮箱"
SCHOOLS = ["计算机学院", "外国语学院", "经济与管理学院", "法学院", "数学科学学院", "物理学院"]
DEGREES = ["本科"] * 6 + ["硕士"] * 3 + ["博士"]


def roster_file(changed_school=0):
    rng = random.Random(2026)
    lines = [HEADER]
    for n in range(STUDENTS):
        school = rng.choice(SCHOOLS)
        if n < changed_school:
            school = "新成立学院"
        lines.append(
            f"{PREFIX}{n:09d},学生{n},Student {n},{rng.choice('男女')},{school},专业{n % 80},"
            f"{rng.choice(DEGREES)},{2019 + n % 7},138{n:08d},s{n}@example.edu.cn"
        )
    # Excel on Chinese Windows saves GBK: the slower decoding path.
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def as_xlsx(csv_data):
    """The same roster as an Excel workbook (what a registrar's office often sends)."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for line in csv_data.decode("gbk").splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(label, function):
    """Wall-clock seconds, and this process's CPU seconds: on a shared machine the wall
    clock waits for other processes; the CPU time (SQLite's work included, PostgreSQL's
    server not) is the figure to compare between runs."""
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        result = function()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<10} {seconds:7.2f} s wall {cpu:7.2f} s CPU {len(queries):6d} queries")
    return result, (seconds, cpu)


def run(title, data):
    print(f"{title}: {len(data) / 2**20:.1f} MB")
    rows, read = timed("read", lambda: roster.parse_roster(data))
    preview, _check = timed("preview", lambda: roster.build_preview(rows))
    _, write = timed("import", lambda: roster.import_roster(rows=rows))
    print(f"  counts     {preview.counts()}")
    # `import_roster` checks every row again inside its transaction: the nightly command
    # is read + import, the admin's upload read + preview, its confirm import alone.
    wall, cpu = read[0] + write[0], read[1] + write[1]
    print(f"  command    {wall:7.2f} s wall {cpu:7.2f} s CPU (read + import: import_roster)")
    return wall, cpu


def main():
    call_command("migrate", verbosity=0)
    User = get_user_model()
    if User.objects.exclude(username__regex=rf"^{PREFIX}[0-9]{{9}}$").exists():
        sys.exit("This database holds other users: use a throwaway database.")
    User.objects.all().delete()
    print(f"{connection.vendor}, {STUDENTS:,} students")
    xlsx = as_xlsx(roster_file())
    print(f"Reading the same roster as XLSX: {len(xlsx) / 2**20:.1f} MB")
    timed("read", lambda: roster.parse_roster(xlsx))
    first = run("First import (all new)", roster_file())
    run("Nightly, same file (all unchanged)", roster_file())
    run("Nightly, 5,000 changed their school", roster_file(changed_school=5000))
    load = os.getloadavg()[0]
    print(
        f"\nFirst import of {STUDENTS:,} students (read + import): {first[0]:.1f} s wall, "
        f"{first[1]:.1f} s CPU (budget: 60 s; load average {load:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if _tmp is not None:
            connection.close()
            _tmp.cleanup()
