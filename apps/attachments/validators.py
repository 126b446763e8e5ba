"""Checks on an uploaded attachment before it is stored.

The browser's file name and Content-Type are claims, not facts: the type is decided by
the file's content, the file must open with the library that will later read it, and
the name kept for display is cleaned up and given the extension of the real type.
"""

import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field

import pypdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from .images import image_end

MAX_NAME_LENGTH = 200

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Magic bytes -> (format, content type, extensions that match).
SIGNATURES = [
    (b"%PDF-", "pdf", "application/pdf", ("pdf",)),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png", ("png",)),
    (b"\xff\xd8\xff", "jpeg", "image/jpeg", ("jpg", "jpeg")),
    (b"PK\x03\x04", "docx", DOCX, ("docx",)),
]
# An OLE2 compound file: a legacy .doc, or a password-protected Office document.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What each upload field takes: the form's slots and the score proof take scans and
# screenshots; the exchange summary is a document.
DOCUMENTS = ("pdf", "png", "jpeg")
SUMMARY_FILES = ("pdf", "docx")

# A .docx is a zip: refuse archives that would be expensive to look into.
DOCX_MAX_ENTRIES = 2000
DOCX_MAX_UNPACKED = 200 * 1024 * 1024

# Cc: controls (CR, LF, NUL, TAB...); Cf: format controls (U+202E, U+200E, U+2066..U+2069,
# zero-width chars); Zl/Zp: line and paragraph separators; Cs: lone surrogates.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}

# What counts as an extension to replace: "pdf", "docx", "7z"; not "2" in "v1.2" nor
# "成绩单" in "张三.成绩单", which are part of the name and get an extension appended.
EXTENSION = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str  # "application/pdf", "image/png", "image/jpeg" or DOCX, by content
    name: str  # the display name to keep, extension corrected to the real type
    size: int  # of what is stored
    # An image that had bytes appended after its end marker: only the image, to store.
    image_only: bytes | None = field(default=None, compare=False, repr=False)

    def file_to_store(self, uploaded_file):
        """What is written to storage: the upload, or only its image (see images.py)."""
        if self.image_only is None:
            return uploaded_file
        return ContentFile(self.image_only, name=uploaded_file.name)


def check_upload(uploaded_file, accept=DOCUMENTS) -> CheckedUpload:
    """Raise ValidationError or return what was checked; the file is left at offset 0.

    `accept` lists the formats this field takes (DOCUMENTS or SUMMARY_FILES).
    """
    name = _check_name(uploaded_file.name)
    _check_size(uploaded_file.size)
    kind, content_type, extensions = _sniff_type(uploaded_file, accept)
    try:
        image_only = CHECKS[kind](uploaded_file)
    finally:
        uploaded_file.seek(0)
    return CheckedUpload(
        content_type=content_type,
        name=_fix_extension(name, extensions),
        size=uploaded_file.size if image_only is None else len(image_only),
        image_only=image_only,
    )


def _check_name(name):
    """The name is shown to staff and sent back in Content-Disposition: no paths, no
    header injection, no text that displays differently from what it is."""
    name = unicodedata.normalize("NFC", name or "")
    # With separators refused, a ".." component can only be the whole name: all dots.
    if (
        "/" in name
        or "\\" in name
        or any(unicodedata.category(char) in FORBIDDEN_CATEGORIES for char in name)
        or not name.replace(".", "").strip()
    ):
        raise ValidationError(
            _("文件名含有不允许的字符（路径、换行或文字方向控制符），请重命名后再上传。"),
            code="bad_name",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("文件名太长（最多 %(limit)s 个字符），请重命名后再上传。"),
            code="name_too_long",
            params={"limit": MAX_NAME_LENGTH},
        )
    return name


def _check_size(size):
    """Before anything reads the content, so an oversized file costs nothing more."""
    if not size:
        raise ValidationError(_("文件是空的，请重新选择。"), code="empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("文件超过 %(limit)s MB 的大小上限，请压缩后再上传。"),
            code="too_large",
            # 10 MiB -> "10", 2.5 MiB -> "2.5"
            params={"limit": max_upload_mb()},
        )


def _sniff_type(uploaded_file, accept):
    """By magic bytes only: the name and the browser's content_type are the sender's say."""
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    for magic, kind, content_type, extensions in SIGNATURES:
        if head.startswith(magic) and kind in accept:
            return kind, content_type, extensions
    if "docx" in accept:
        if head.startswith(OLE2_MAGIC):
            raise ValidationError(
                _("旧版 Word（.doc）或加密的文档无法核验，请另存为 .docx 或 PDF 后上传。"),
                code="bad_type",
            )
        raise ValidationError(
            _("只能上传 PDF 或 Word（.docx）文件（按文件内容识别）。"), code="bad_type"
        )
    raise ValidationError(_("只能上传 PDF、JPG 或 PNG 文件（按文件内容识别）。"), code="bad_type")


def _check_docx(uploaded_file):
    """A Word document the office can open: a readable zip holding a document part, not
    macro-enabled, and small enough when unpacked. Nothing is extracted to disk."""
    bad = ValidationError(
        _("Word 文件已损坏或无法读取，请重新保存为 .docx 或 PDF 后上传。"), code="bad_docx"
    )
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            entries = archive.infolist()
            if len(entries) > DOCX_MAX_ENTRIES or (
                sum(entry.file_size for entry in entries) > DOCX_MAX_UNPACKED
            ):
                raise bad
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise bad
            with archive.open("[Content_Types].xml") as part:
                types = part.read(1024 * 1024)
    except ValidationError:
        raise
    except Exception as exc:  # BadZipFile, truncated entries, bad CRC...
        raise bad from exc
    if b"macroEnabled" in types or "word/vbaProject.bin" in names:
        raise ValidationError(
            _("不接受含宏的 Word 文件，请另存为 .docx 或 PDF 后上传。"), code="docx_macros"
        )


def _check_image(uploaded_file, pil_format):
    """A magic number is four bytes; the rest must decode as that format, within a pixel
    budget so that a small file cannot expand into gigabytes of memory. Returns only the
    image when bytes follow its end marker (else None): those are not stored."""
    max_pixels = getattr(settings, "ATTACHMENT_MAX_PIXELS", 40_000_000)
    too_large = ValidationError(_("图片尺寸过大，请缩小后再上传。"), code="image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # formats=[...] makes Pillow parse it as the format the magic bytes claim.
            # (A JPEG may come back as "MPO", Pillow's name for multi-picture phone photos.)
            with Image.open(uploaded_file, formats=[pil_format]) as im:
                if im.width * im.height > max_pixels:
                    raise too_large
                im.verify()
            # verify() leaves the image unusable: open again and decode every pixel.
            uploaded_file.seek(0)
            with Image.open(uploaded_file, formats=[pil_format]) as im:
                im.load()
                uploaded_file.seek(0)
                data = uploaded_file.read()
                end = image_end(data, im)
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise too_large from exc
    except Exception as exc:
        raise _bad_image() from exc
    if end is None:  # decodable, but its structure does not say where it ends
        raise _bad_image()
    # Bytes after the end marker (an HTML page, a ZIP archive) are not stored.
    return data[:end] if end < len(data) else None


def _bad_image():
    return ValidationError(_("图片文件已损坏或无法打开，请重新导出后上传。"), code="bad_image")


def _check_pdf(uploaded_file):
    """Reviewers must be able to open it: parseable, at least one page, no password.
    pypdf raises many kinds of exception on broken files, hence the broad except."""
    try:
        reader = pypdf.PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted and not _decrypts_without_password(reader):
            raise ValidationError(_("PDF 文件已加密，请上传未加密的文件。"), code="encrypted_pdf")
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:
        raise _bad_pdf() from exc
    if pages < 1:
        raise _bad_pdf()


def _image_check(pil_format):
    return lambda uploaded_file: _check_image(uploaded_file, pil_format)


def _decrypts_without_password(reader):
    """True for PDFs with only an owner password (restrictions, but anyone can open them)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the cryptography package: cannot open it either
        return False


def _bad_pdf():
    return ValidationError(_("PDF 文件已损坏或无法读取，请重新导出后上传。"), code="bad_pdf")


CHECKS = {
    "pdf": _check_pdf,
    "png": _image_check("PNG"),
    "jpeg": _image_check("JPEG"),
    "docx": _check_docx,
}


def _fix_extension(name, extensions):
    """Keep a matching extension (any case), else replace a wrong one or append."""
    name = name.rstrip(". ")  # trailing dots and spaces would hide the extension
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in extensions:
        return name
    if dot and EXTENSION.fullmatch(ext):
        name = stem
    return f"{name}.{extensions[0]}"


def max_upload_mb():
    """The size cap as people read it: 10, 2.5, 0.125 (MB)."""
    return f"{settings.ATTACHMENT_MAX_BYTES / 2**20:.3f}".rstrip("0").rstrip(".")
