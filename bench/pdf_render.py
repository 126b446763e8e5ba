#!/usr/bin/env python
"""Render time and size of the 申请表 PDF, cold and warm.

    .venv/bin/python bench/pdf_render.py [--runs 10]

Builds one complete application (every field, three attachments) in a throwaway SQLite
database, then prints: the cold render (first in the process: WeasyPrint import, font
loading), the warm renders (median and worst of --runs), a cached download, the size and
the page count, each against its target (warm < 0.5 s, size < 400 KB, 1-2 pages).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange_portal.settings")
    os.environ["MEDIA_ROOT"] = str(Path(db_path).parent / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_application():
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image
    from pypdf import PdfWriter

    from apps.applications import services
    from apps.attachments.models import AttachmentKind
    from apps.attachments.validators import check_upload
    from apps.programs.models import Program, Region

    now = timezone.now()
    program = Program.objects.create(
        region=Region.INTERNATIONAL,
        title="新加坡国立大学2027年春季学期交换项目",
        partner="新加坡国立大学",
        country="新加坡",
        term="2027年春季学期",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        start_date=timezone.localdate() + timedelta(days=90),
        end_date=timezone.localdate() + timedelta(days=210),
    )
    student = get_user_model().objects.create(username="2023301000001")
    application, _ = services.start_application(program=program, student=student)

    def upload(kind, name):
        buffer = io.BytesIO()
        if name.endswith(".pdf"):
            writer = PdfWriter()
            writer.add_blank_page(width=595, height=842)
            writer.write(buffer)
        else:
            Image.new("RGB", (800, 600), "white").save(buffer, "PNG")
        file = SimpleUploadedFile(name, buffer.getvalue())
        return kind, file, check_upload(file)

    changes = {
        "name": "欧阳晓明",
        "name_en": "Ouyang Xiaoming",
        "gender": "male",
        "degree_level": "undergraduate",
        "school": "计算机科学与技术学院",
        "major": "计算机科学与技术（卓越工程师班）",
        "enrollment_year": 2023,
        "phone": "13800001234",
        "email": "ouyang.xiaoming@example.edu.cn",
        "language_test": "ielts",
        "language_score": Decimal("7.5"),
        "has_passport": True,
        "passport_number": "E12345678",
        "passport_expiry": timezone.localdate() + timedelta(days=5 * 365),
    }
    files = [
        upload(AttachmentKind.TRANSCRIPT, "中英文成绩单（本科生院盖章版）.pdf"),
        upload(AttachmentKind.ENROLLMENT, "中英文在读证明.pdf"),
        upload(AttachmentKind.LANGUAGE, "雅思成绩网页截图.png"),
    ]
    services.save_draft(application=application, user=student, changes=changes, new_files=files)
    return services.submit_application(application=application, user=student)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.utils import translation
        from pypdf import PdfReader

        from apps.applications import pdf

        translation.activate("zh-hans")
        application = pdf.printable(type(build_application()).objects.all()).get()
        pdf.load_form_data(application)
        url = "https://portal.example.edu/applications/verify/?number=000001&code=ABCD-EFGH"

        started = time.perf_counter()
        content = pdf.render_pdf(application, url)
        cold = time.perf_counter() - started

        warm = []
        for _ in range(args.runs):
            started = time.perf_counter()
            pdf.render_pdf(application, url)
            warm.append(time.perf_counter() - started)

        pdf.application_pdf(application, url).close()  # fills the cache
        started = time.perf_counter()
        with pdf.application_pdf(application, url) as cached:
            hit = time.perf_counter() - started
            assert cached.read()[:5] == b"%PDF-"

    pages = len(PdfReader(io.BytesIO(content)).pages)
    median, worst = statistics.median(warm), max(warm)
    size_kb = len(content) / 1024
    rows = [
        ("cold render (import + fonts)", f"{cold:.2f} s", ""),
        (f"warm render, median of {args.runs}", f"{median:.3f} s", _ok(median < 0.5, "< 0.5 s")),
        (f"warm render, worst of {args.runs}", f"{worst:.3f} s", ""),
        ("cached download (cache hit)", f"{hit * 1000:.2f} ms", ""),
        ("size", f"{size_kb:.0f} KB", _ok(size_kb < 400, "< 400 KB")),
        ("pages", str(pages), _ok(1 <= pages <= 2, "1-2")),
    ]
    for label, value, verdict in rows:
        print(f"{label:<32} {value:>10}  {verdict}")
    print(
        f"BENCH pdf_cold_s={cold:.2f} pdf_warm_ms={median * 1000:.0f} "
        f"pdf_kb={size_kb:.0f} pdf_pages={pages}"
    )


def _ok(passed, target):
    return f"{'OK' if passed else 'OVER'} (target {target})"


if __name__ == "__main__":
    main()
