"""Each refusal of check_upload, called directly: its code and its exact words, and the
edges of what it accepts (the .docx limits, a lenient PDF, the name it keeps)."""

import io
import zipfile

import pypdf
import pytest
from django.core.exceptions import ValidationError

from apps.attachments import validators
from apps.attachments.validators import SUMMARY_FILES, check_upload
from tests.samples import DOCM_MAIN, docx_bytes, ole2_bytes, pdf_bytes, upload


def refusal(data, name="总结.docx", accept=SUMMARY_FILES):
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(data, name), accept=accept)
    return caught.value.code, caught.value.messages


def parts_zip(*names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, code, message",
    [
        (
            ole2_bytes,
            "bad_type",
            "旧版 Word（.doc）或加密的文档无法核验，请另存为 .docx 或 PDF 后上传。",
        ),
        (
            lambda: b"GIF89a" + b"\0" * 64,
            "bad_type",
            "只能上传 PDF 或 Word（.docx）文件（按文件内容识别）。",
        ),
        (
            lambda: parts_zip("[Content_Types].xml"),
            "bad_docx",
            "Word 文件已损坏或无法读取，请重新保存为 .docx 或 PDF 后上传。",
        ),
        (
            lambda: docx_bytes(main=DOCM_MAIN),
            "docx_macros",
            "不接受含宏的 Word 文件，请另存为 .docx 或 PDF 后上传。",
        ),
    ],
    ids=["legacy-doc", "not-a-document", "no-document-part", "macros"],
)
def test_a_summary_file_is_refused_with_its_code_and_the_exact_words(data, code, message):
    assert refusal(data()) == (code, [message])


def test_a_docx_of_exactly_the_most_parts_and_bytes_allowed_is_accepted(monkeypatch):
    data = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    monkeypatch.setattr(validators, "DOCX_MAX_ENTRIES", len(entries))
    monkeypatch.setattr(validators, "DOCX_MAX_UNPACKED", sum(e.file_size for e in entries))
    assert check_upload(upload(data, "总结.docx"), accept=SUMMARY_FILES).name == "总结.docx"

    monkeypatch.setattr(validators, "DOCX_MAX_ENTRIES", len(entries) - 1)
    assert refusal(data)[0] == "bad_docx"


def test_a_docx_one_byte_over_the_unpacked_limit_is_refused(monkeypatch):
    data = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(e.file_size for e in archive.infolist())
    monkeypatch.setattr(validators, "DOCX_MAX_UNPACKED", unpacked - 1)
    assert refusal(data)[0] == "bad_docx"


def test_a_pdf_with_a_wrong_cross_reference_offset_opens_and_is_accepted():
    """Reviewers' readers repair it, as pypdf does when not strict."""
    data = pdf_bytes()
    start = data.rindex(b"startxref") + len(b"startxref")
    broken = data[:start] + b"\n12\n%%EOF\n"
    with pytest.raises(pypdf.errors.PdfReadError):
        len(pypdf.PdfReader(io.BytesIO(broken), strict=True).pages)
    assert check_upload(upload(broken, "成绩单.pdf")).content_type == "application/pdf"


def test_an_encrypted_pdf_that_cannot_be_tried_without_a_password_is_refused(monkeypatch):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)

    def cannot(self, password):
        raise NotImplementedError("no AES here")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", cannot)
    assert refusal(out.getvalue(), "成绩单.pdf", accept=validators.DOCUMENTS)[0] == "encrypted_pdf"


@pytest.mark.parametrize(
    "name, kept",
    [
        ("张三.成绩单.png", "张三.成绩单.pdf"),  # only the last extension is replaced
        ("scanX", "scanX.pdf"),  # only dots and spaces are trimmed from the end
        ("report. . ", "report.pdf"),
    ],
)
def test_the_name_kept_has_the_real_types_extension(name, kept):
    assert check_upload(upload(pdf_bytes(), name)).name == kept
