"""The printed form's font cut down to common Chinese (apps/applications/pdf_fonts): the
same text in a far smaller file, and rare characters still printed from the full font."""

import io
import string

import pytest
import time_machine
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from apps.applications import pdf, pdf_fonts
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

ASCII = set(map(ord, string.printable))


def render(application):
    pdf.load_form_data(application)
    with time_machine.travel("2026-11-29 10:00 +0800", tick=False):
        return pdf.render_pdf(application, "https://portal.example/verify/?number=1&code=X")


def text_of(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def font_names(content):
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.fixture
def submitted(make_submitted):
    return make_submitted(program=ProgramFactory(title="东京大学交换项目", partner="东京大学"))


def test_the_cut_down_font_holds_exactly_the_characters_asked_for(tmp_path):
    wanted = set(map(ord, "申请表，AB"))
    for path in pdf_fonts.build(characters=wanted, out_dir=tmp_path):
        assert set(TTFont(path).getBestCmap()) == wanted


def test_common_characters_are_gb2312_with_punctuation_and_not_rare_ones():
    chars = pdf_fonts.common_characters()
    assert len(chars) > 7000
    assert {ord(c) for c in "申请表交换项目，。：（）—A1é"} <= chars
    assert ord("喆") not in chars  # outside GB 2312: printed from the full font


def test_the_form_in_the_cut_down_font_says_the_same_in_a_far_smaller_file(
    settings, tmp_path, submitted
):
    full = render(submitted)
    text = text_of(full)
    assert font_names(full) == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}

    pdf_fonts.build(characters=set(map(ord, text)) | ASCII, out_dir=tmp_path)
    settings.PDF_FONT_DIR = tmp_path
    small = render(submitted)

    assert text_of(small) == text
    assert font_names(small) == {"Portal-CJK", "Portal-CJK-Bold"}
    assert len(small) < len(full) / 2


def test_a_character_missing_from_the_cut_down_font_is_printed_from_the_full_one(
    settings, tmp_path, submitted
):
    submitted.name = "王晓喆"
    text = text_of(render(submitted))
    assert "王晓喆" in text

    pdf_fonts.build(characters=set(map(ord, text.replace("喆", ""))) | ASCII, out_dir=tmp_path)
    settings.PDF_FONT_DIR = tmp_path
    small = render(submitted)

    assert "王晓喆" in text_of(small)
    assert "Noto-Sans-CJK-SC" in font_names(small)


def test_without_the_cut_down_font_the_stylesheet_falls_back_to_noto(settings, tmp_path):
    settings.PDF_FONT_DIR = tmp_path / "never-built"
    assert pdf_fonts.font_face_css() == ""
    assert pdf._font_faces() == ([], None)
