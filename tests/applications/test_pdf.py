"""下载申请表: the printable form, read back with pypdf, and who may download it."""

import io
import os
import re
import subprocess
import sys
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.applications import pdf
from apps.applications.models import Application, Status
from apps.core.storage import PrivateFileSystemStorage, walk
from apps.programs.models import Region
from tests.builders import clerk, passport
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def pdf_url(application):
    return reverse("applications:pdf", args=[application.pk])


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.getvalue()))


def text_of(reader):
    return "\n".join(page.extract_text() for page in reader.pages)


def font_names(reader):
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def submitted(make_submitted):
    return make_submitted(
        program=ProgramFactory(title="东京大学交换项目", partner="东京大学"), **passport()
    )


def test_the_owner_downloads_a_form_with_every_submitted_field(client, student, submitted):
    client.force_login(student)

    reader = read(client.get(pdf_url(submitted)))

    text = text_of(reader)
    for expected in [
        "校际交流项目（国际）申请表",
        "国际交流部学生出国事务办公室",
        "东京大学交换项目",
        "张晓明",
        "Zhang Xiaoming",
        "计算机学院",
        "软件工程",
        "13800000000",
        "zxm@example.edu",
        "E12345678",  # in full: it is the student's own form
        "待补录",  # no score given at submission
        "transcript.pdf",
        "enrollment.pdf",
        "申请人签字",
        "学院意见",
        "签字/盖章",
        submitted.number,
        submitted.verification_code,
        timezone.localtime(submitted.submitted_at).strftime("%Y-%m-%d %H:%M"),
    ]:
        assert expected in text, expected
    assert 1 <= len(reader.pages) <= 2
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in text


def test_the_form_is_named_after_the_student_and_the_program(client, student, submitted):
    client.force_login(student)

    response = client.get(pdf_url(submitted))

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(re.search(r"filename\*=utf-8''(.+)$", disposition).group(1))
    assert name == f"申请表-{student.username}-东京大学交换项目.pdf"
    assert "no-store" in response["Cache-Control"]


def test_the_office_gets_the_form_named_after_the_student(client, student, submitted):
    client.force_login(clerk(Region.INTERNATIONAL))

    disposition = client.get(pdf_url(submitted))["Content-Disposition"]

    name = unquote(re.search(r"filename\*=utf-8''(.+)$", disposition).group(1))
    assert name == f"申请表-{student.username}-东京大学交换项目.pdf"


def test_a_cached_download_reads_one_row(client, student, submitted, django_assert_num_queries):
    client.force_login(student)
    client.get(pdf_url(submitted))  # rendered and cached

    # The session and the user come from the cache; the application with its program.
    with django_assert_num_queries(1):
        response = client.get(pdf_url(submitted))
    assert read(response).pages


def test_the_hmt_form_has_the_hmt_heading_and_office(client, student, make_submitted):
    application = make_submitted(program=ProgramFactory(region=Region.HMT, title="香港大学交流"))
    client.force_login(student)

    text = text_of(read(client.get(pdf_url(application))))

    assert "校际交流项目（港澳台）申请表" in text
    assert "港澳台事务办公室" in text
    assert "（国际）" not in text


def test_the_chinese_is_drawn_with_an_embedded_cjk_font(client, student, submitted):
    client.force_login(student)

    reader = read(client.get(pdf_url(submitted)))

    fonts = font_names(reader)
    assert fonts, "no font at all"
    # Subset names look like /ABCDEF+Noto-Sans-CJK-SC; every font in the form is CJK,
    # so no text fell back to a font that would print boxes.
    assert all("CJK" in name for name in fonts), fonts
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), "not embedded"


@pytest.mark.s3
def test_a_supplemented_score_replaces_待补录_in_a_new_render(client, student, submitted):
    from apps.scores.services import supplement_score

    client.force_login(student)
    assert "待补录" in text_of(read(client.get(pdf_url(submitted))))

    supplement_score(application=submitted, user=student, language_test="ielts", score=7)

    text = text_of(read(client.get(pdf_url(submitted))))
    assert "待补录" not in text
    assert "雅思 IELTS" in text and "7" in text


@pytest.mark.s3
def test_a_repeated_download_is_served_from_the_cache(client, student, submitted, monkeypatch):
    renders = []
    real_render = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a: renders.append(1) or real_render(*a))
    client.force_login(student)

    first = client.get(pdf_url(submitted)).getvalue()
    second = client.get(pdf_url(submitted)).getvalue()

    assert first == second
    assert len(renders) == 1


@pytest.mark.s3
def test_the_form_is_kept_in_file_storage_and_only_its_latest_version(client, student, submitted):
    client.force_login(student)
    client.get(pdf_url(submitted)).getvalue()
    submitted.major = "人工智能"
    submitted.save()

    client.get(pdf_url(submitted)).getvalue()

    kept = list(walk(default_storage, f"{pdf.CACHE_DIR}/{submitted.pk}"))
    assert kept == [pdf.cache_name(submitted)]
    with default_storage.open(kept[0]) as handle:
        assert handle.read().startswith(b"%PDF-")


def test_a_storage_that_refuses_the_write_still_serves_the_form(
    client, student, submitted, monkeypatch
):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PrivateFileSystemStorage, "save", disk_full)
    client.force_login(student)

    assert "张晓明" in text_of(read(client.get(pdf_url(submitted))))


def test_a_staff_change_renders_the_form_again(client, student, submitted, monkeypatch):
    renders = []
    real_render = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a: renders.append(1) or real_render(*a))
    client.force_login(student)
    client.get(pdf_url(submitted))

    submitted.major = "人工智能"
    submitted.save()  # what the admin's save does: updated_at moves on
    text = text_of(read(client.get(pdf_url(submitted))))

    assert len(renders) == 2
    assert "人工智能" in text


# --- Who may download it ------------------------------------------------------------------


def test_a_draft_has_no_form(client, student, make_draft):
    draft = make_draft()
    client.force_login(student)

    assert client.get(pdf_url(draft)).status_code == 404


@pytest.mark.parametrize("status", [Status.RETURNED, Status.WITHDRAWN])
def test_a_returned_or_withdrawn_application_has_no_form(client, student, submitted, status):
    Application.objects.filter(pk=submitted.pk).update(status=status)
    client.force_login(student)

    assert client.get(pdf_url(submitted)).status_code == 404


def test_another_student_gets_404(client, submitted):
    client.force_login(UserFactory())

    assert client.get(pdf_url(submitted)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, submitted):
    response = client.get(pdf_url(submitted))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_office_of_the_track_downloads_it_and_the_other_office_does_not(client, submitted):
    client.force_login(clerk(Region.HMT))
    assert client.get(pdf_url(submitted)).status_code == 404

    client.force_login(clerk(Region.INTERNATIONAL))
    assert read(client.get(pdf_url(submitted))).pages


# --- What the renderer may read -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/secret",
        "https://example.com/x.css",
        "file:///work/../etc/hostname",
    ],
)
def test_the_renderer_reads_nothing_outside_the_static_files(url):
    with pytest.raises(ValueError):
        pdf.static_only_fetcher().fetch(url)


def test_the_renderer_reads_the_forms_stylesheet():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    url = Path(finders.find(pdf.STYLESHEET)).as_uri()

    response = pdf.static_only_fetcher().fetch(url)

    assert b"@page" in response.read()
    response.close()


def test_rendering_a_form_leaves_the_upload_checks_strict(client, student, submitted):
    from django.core.exceptions import ValidationError

    from apps.attachments.validators import check_upload
    from tests.samples import png_with_corrupt_pixels_bytes, upload

    client.force_login(student)
    read(client.get(pdf_url(submitted)))  # imports WeasyPrint in this process

    with pytest.raises(ValidationError):
        check_upload(upload(png_with_corrupt_pixels_bytes(), "photo.png"))


@pytest.mark.parametrize(
    "first_use",
    ["pdf._weasyprint_html()", "pdf.static_only_fetcher()", "pdf._font_faces()"],
)
def test_every_first_import_of_weasyprint_leaves_pillow_strict(first_use):
    # In a process of its own: in this one WeasyPrint may be imported already.
    code = (
        "import django; django.setup()\n"
        "from PIL import ImageFile\n"
        "from apps.applications import pdf\n"
        f"{first_use}\n"
        "import sys; sys.exit(3 if ImageFile.LOAD_TRUNCATED_IMAGES else 0)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "exchange_portal.settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_the_offices_application_page_links_the_form_and_the_verification(client, submitted):
    client.force_login(clerk(Region.INTERNATIONAL))

    page = client.get(reverse("admin:applications_application_change", args=[submitted.pk])).text

    assert pdf_url(submitted) in page
    assert reverse("applications:verify") in page


def test_in_english_the_form_and_its_file_name_are_english(client, student, submitted, settings):
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(pdf_url(submitted))

    name = unquote(re.search(r"filename\*=utf-8''(.+)$", response["Content-Disposition"])[1])
    assert name == f"application-form-{student.username}-东京大学交换项目.pdf"
    text = text_of(read(response))
    assert "(International): application form" in text
    assert "Page 1 of" in text


def test_a_render_leaves_no_layout_garbage_in_the_worker(client, student, submitted):
    """WeasyPrint's layout is a graph of cycles that Python frees late: a web worker that
    rendered a few forms would otherwise hold hundreds of MB (see pdf.release_render_memory)."""
    import gc

    client.force_login(student)
    gc.disable()  # only the portal's own collection may free the render's cycles
    try:
        response = client.get(pdf_url(submitted))
        assert response.status_code == 200
        response.getvalue()  # sent: the response is closed, as the server does
        modules = ("weasyprint.layout", "weasyprint.formatting_structure")
        layout = [o for o in gc.get_objects() if str(type(o).__module__).startswith(modules)]
    finally:
        gc.enable()
    assert layout == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_form_carries_the_student_id_and_every_identifying_field(
    client, student, submitted, settings, language
):
    """The college and the office file the paper form by the 学号, in either language."""
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    text = text_of(read(client.get(pdf_url(submitted))))

    label = "Student ID" if language == "en" else "学号"
    assert re.search(rf"{label}\s*{re.escape(student.username)}", text), text
    for expected in [submitted.name, submitted.name_en, submitted.school, submitted.major]:
        assert expected and expected in text, expected
    assert submitted.phone in text and submitted.email in text
    assert "E12345678" in text  # the passport number


def test_the_english_form_names_the_university_and_the_portal_in_english(
    client, student, submitted, settings
):
    settings.UNIVERSITY_NAME = "示范大学"
    settings.UNIVERSITY_NAME_EN = "Demonstration University of Technology"
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = " ".join(text_of(read(client.get(pdf_url(submitted)))).split())

    # The heading is letter-spaced: the extracted text may break a word.
    assert "DemonstrationUniversityofTechnology" in text.replace(" ", "")
    assert "示范大学" not in text
    assert "Student Exchange Portal" in text
    assert "System" not in text


def test_the_chinese_form_keeps_the_chinese_university_name(client, student, submitted, settings):
    settings.UNIVERSITY_NAME = "示范大学"
    settings.UNIVERSITY_NAME_EN = "Demonstration University of Technology"
    client.force_login(student)

    text = text_of(read(client.get(pdf_url(submitted))))

    assert "示范大学" in text and "Demonstration University" not in text


def test_a_form_cached_before_the_layout_changed_is_not_served(
    client, student, submitted, monkeypatch
):
    client.force_login(student)
    client.get(pdf_url(submitted)).getvalue()
    renders = []
    real_render = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a: renders.append(1) or real_render(*a))
    monkeypatch.setattr(pdf, "LAYOUT", pdf.LAYOUT + 1)

    client.get(pdf_url(submitted)).getvalue()

    assert renders == [1]
