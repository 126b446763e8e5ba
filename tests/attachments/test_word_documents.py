"""The summary attachment may be a Word document: .docx checked by content, like a PDF."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from apps.attachments.validators import DOCX, SUMMARY_FILES, check_upload
from tests.samples import DOCM_MAIN, docx_bytes, ole2_bytes, pdf_bytes, upload, zip_bytes


def refused(data, name="总结.docx"):
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(data, name), accept=SUMMARY_FILES)
    return caught.value


def test_a_docx_is_accepted_for_the_summary_with_its_extension_put_right():
    checked = check_upload(upload(docx_bytes(), "回国总结.doc"), accept=SUMMARY_FILES)

    assert (checked.content_type, checked.name) == (DOCX, "回国总结.docx")


def test_a_pdf_is_accepted_for_the_summary():
    assert check_upload(upload(pdf_bytes(), "总结.pdf"), accept=SUMMARY_FILES).name == "总结.pdf"


def test_the_forms_slots_still_refuse_word_documents():
    with pytest.raises(ValidationError, match="只能上传 PDF、JPG 或 PNG"):
        check_upload(upload(docx_bytes(), "成绩单.docx"))


def test_an_image_is_not_a_summary():
    from tests.samples import image_bytes

    assert "只能上传 PDF 或 Word（.docx）文件" in refused(image_bytes("PNG")).messages[0]


def test_a_legacy_doc_or_encrypted_document_is_refused_with_what_to_do():
    assert "另存为 .docx 或 PDF" in refused(ole2_bytes(), "总结.doc").messages[0]


def test_a_zip_that_is_not_a_word_document_is_refused():
    assert refused(zip_bytes()).code == "bad_docx"


def test_a_macro_enabled_document_is_refused():
    assert refused(docx_bytes(main=DOCM_MAIN)).code == "docx_macros"
    assert refused(docx_bytes(extra=["word/vbaProject.bin"])).code == "docx_macros"


def test_a_truncated_docx_is_refused():
    assert refused(docx_bytes()[:300]).code == "bad_docx"


def test_a_zip_bomb_is_refused_without_unpacking_it(settings):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/huge.bin", b"\0" * (201 * 1024 * 1024))

    assert len(out.getvalue()) < 1024 * 1024
    assert refused(out.getvalue()).code == "bad_docx"
