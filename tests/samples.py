"""Sample files for upload tests: real PDFs and images, and the bad ones students send.

`BAD_UPLOADS` is the one corpus of bad files that every upload field is tested with
(tests/security/test_upload_corpus.py); `BAD_IMPORT_FILES` adds what only a result file
(CSV/XLSX, imported in admin) can get wrong.
"""

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pypdf
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin


def stored_files():
    """Every file in the default storage (the test's media folder, or its bucket), by name."""
    from django.core.files.storage import default_storage

    from apps.core.storage import walk

    return sorted(walk(default_storage))


def pdf_bytes(pages=1, padding=0):
    """A real PDF made by pypdf; `padding` characters of metadata make it that much bigger."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(pil_format="PNG", size=(8, 6), padding=0):
    """A real image made by Pillow; `padding` characters of PNG text make it that much bigger."""
    out = io.BytesIO()
    options = {}
    if padding:
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_text("Comment", "x" * padding)
    Image.new("RGB", size, "teal").save(out, pil_format, **options)
    return out.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png_bytes(width, height):
    """A valid one-bit, all-black PNG: tens of KB on disk, `width * height` pixels decoded."""
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def html_behind_png_signature_bytes():
    """Eight bytes of PNG signature, then a page with a script."""
    return b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"


def sized(builder, size):
    """Rebuild a sample with as much padding as makes it exactly `size` bytes."""
    padding = 1
    for _ in range(3):  # offsets in the PDF grow a digit now and then: converge
        data = builder(padding=padding)
        if len(data) == size:
            return data
        padding += size - len(data)
    raise AssertionError(f"cannot build a {size}-byte sample with {builder.__name__}")


def zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx_bytes(main=DOCX_MAIN, extra=()):
    """A minimal Word document as Word writes it: content types, then the document part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/content-types"><Override PartName="/word/document.xml" ContentType="{main}"/>'
            "</Types>",
        )
        archive.writestr("word/document.xml", "<w:document><w:body>回国总结</w:body></w:document>")
        for name in extra:
            archive.writestr(name, b"\0" * 16)
    return out.getvalue()


def ole2_bytes():
    """The start of a legacy .doc (or of an encrypted .docx): an OLE2 compound file."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def upload(data, name="file.pdf", content_type="application/octet-stream"):
    """An upload whose name is exactly `name`. Django's multipart parser and UploadedFile
    already drop directories and non-printable characters, but check_upload must not
    depend on the caller having gone through them."""
    uploaded = SimpleUploadedFile("placeholder", data, content_type=content_type)
    uploaded._name = name
    return uploaded


def encrypted_pdf_bytes(user_password, owner_password="owner"):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mpo_bytes():
    """Two JPEGs in one file, as phone cameras write; Pillow calls the format MPO."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (8, 6), "red"), Image.new("RGB", (8, 6), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def png_with_corrupt_pixels_bytes():
    """Every chunk's checksum is right (so verify() passes) but the pixels do not inflate."""
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"not zlib data at all")
        + png_chunk(b"IEND", b"")
    )


def docx_bomb_bytes():
    """A .docx whose one part unpacks to 201 MB of zeros (200 KB on disk)."""
    return _zip_bomb("word/document.xml")


def xlsx_bomb_bytes():
    """An .xlsx whose shared strings unpack to 201 MB (a reader would parse them all)."""
    return _zip_bomb("xl/sharedStrings.xml")


@functools.cache
def _zip_bomb(name):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w", force_zip64=True) as target:
            chunk = bytes(1024 * 1024)
            for _ in range(201):
                target.write(chunk)
    return out.getvalue()


def many_entries_zip_bytes(count=2001):
    """A .docx-looking zip of more parts than any document has."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for n in range(count):
            archive.writestr(f"word/media/{n}.bin", b"")
    return out.getvalue()


def pdf_with_html_bytes():
    """A PDF header, then a web page: a polyglot that is no readable PDF."""
    return b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n%%EOF"


def jpeg_with_zip_bytes():
    """A real JPEG with a zip appended (a 'GIFAR'-style polyglot): readable as an image,
    stored under a generated name and served as an attachment, never run."""
    return image_bytes("JPEG") + zip_bytes()


@dataclass(frozen=True)
class BadUpload:
    """A bad file and what the upload check says about it, by the formats a field takes.

    `code` is the refusal for the form's slots and the score proof (PDF/JPG/PNG);
    `summary_code` for the summary attachment (PDF/DOCX), when it differs. `cap` lowers
    ATTACHMENT_MAX_BYTES for the case."""

    id: str
    build: object
    name: str
    code: str
    summary_code: str = ""
    cap: int = 0

    def data(self):
        return self.build()

    def code_for(self, accept):
        return self.summary_code if "docx" in accept and self.summary_code else self.code


MB = 1024 * 1024

BAD_UPLOADS = [
    BadUpload("zip-renamed-pdf", zip_bytes, "成绩单.pdf", "bad_type", "bad_docx"),
    BadUpload(
        "html-behind-png-signature",
        html_behind_png_signature_bytes,
        "照片.png",
        "bad_image",
        "bad_type",
    ),
    BadUpload("zero-bytes", lambda: b"", "成绩单.pdf", "empty"),
    BadUpload(
        "one-byte-over-the-cap", lambda: sized(pdf_bytes, MB + 1), "成绩单.pdf", "too_large", cap=MB
    ),
    BadUpload(
        "bomb-png-49-megapixels",
        lambda: bomb_png_bytes(7_000, 7_000),
        "bomb.png",
        "image_too_large",
        "bad_type",
    ),
    BadUpload(
        "bomb-png-400-megapixels",
        lambda: bomb_png_bytes(20_000, 20_000),
        "bomb.png",
        "image_too_large",
        "bad_type",
    ),
    BadUpload("unparseable-pdf", lambda: b"%PDF-1.7\n garbage", "成绩单.pdf", "bad_pdf"),
    BadUpload("truncated-pdf", lambda: pdf_bytes()[:200], "成绩单.pdf", "bad_pdf"),
    BadUpload("pdf-without-pages", lambda: pdf_bytes(pages=0), "成绩单.pdf", "bad_pdf"),
    BadUpload("pdf-with-html", pdf_with_html_bytes, "成绩单.pdf", "bad_pdf"),
    BadUpload("password-pdf", lambda: encrypted_pdf_bytes("secret"), "成绩单.pdf", "encrypted_pdf"),
    BadUpload(
        "truncated-png", lambda: image_bytes("PNG")[:60], "照片.png", "bad_image", "bad_type"
    ),
    BadUpload(
        "truncated-jpeg", lambda: image_bytes("JPEG")[:200], "照片.jpg", "bad_image", "bad_type"
    ),
    BadUpload(
        "png-with-corrupt-pixels",
        png_with_corrupt_pixels_bytes,
        "照片.png",
        "bad_image",
        "bad_type",
    ),
    BadUpload("gif", lambda: b"GIF89a" + bytes(20), "照片.png", "bad_type"),
    BadUpload(
        "html", lambda: b"<!doctype html><script>alert(1)</script>", "成绩单.pdf", "bad_type"
    ),
    BadUpload("pdf-magic-not-at-start", lambda: b" %PDF-1.7\n", "成绩单.pdf", "bad_type"),
    BadUpload("exe-renamed-pdf", lambda: b"MZ\x90\x00" + bytes(60), "成绩单.pdf", "bad_type"),
    BadUpload("legacy-doc", ole2_bytes, "总结.doc", "bad_type"),
    BadUpload("macro-word", lambda: docx_bytes(DOCM_MAIN), "总结.docx", "bad_type", "docx_macros"),
    BadUpload("docx-bomb", docx_bomb_bytes, "总结.docx", "bad_type", "bad_docx"),
    BadUpload("docx-of-2001-parts", many_entries_zip_bytes, "总结.docx", "bad_type", "bad_docx"),
]


def csv_bytes(lines, encoding="utf-8", errors="strict"):
    return "\r\n".join(",".join(line) for line in lines).encode(encoding, errors) + b"\r\n"


RESULT_HEADER = ["学号", "项目编号", "录取结果"]


@dataclass(frozen=True)
class BadImport:
    """A result file the admin import must refuse as a whole, and (part of) what it says."""

    id: str
    build: object
    message: str


BAD_IMPORT_FILES = [
    BadImport("empty", lambda: b"", "文件是空的。"),
    BadImport("blank-lines", lambda: b"\r\n  \r\n,,\r\n", "文件是空的。"),
    BadImport(
        "binary-junk", lambda: bytes(range(256)) * 16, "只能上传 CSV 或 Excel（.xlsx）文件。"
    ),
    BadImport(
        "nul-after-4-kb",
        lambda: csv_bytes([RESULT_HEADER, *[["2023000000001", "1", "录取"]] * 300, ["a\0b"]]),
        "只能上传 CSV 或 Excel（.xlsx）文件。",
    ),
    BadImport(
        "utf-16",
        lambda: csv_bytes([RESULT_HEADER], encoding="utf-16"),
        "只能上传 CSV 或 Excel（.xlsx）文件。",
    ),
    BadImport("neither-utf8-nor-gbk", lambda: b"\xff\xfe\xfd\xff", "无法识别文件编码"),
    BadImport(
        "shift-jis",  # decodes as GBK, into nonsense
        lambda: csv_bytes([RESULT_HEADER], encoding="shift_jis", errors="replace"),
        "表头不正确",
    ),
    BadImport("xls-renamed-xlsx", ole2_bytes, "旧版 Excel（.xls）"),
    BadImport("xlsx-bomb", xlsx_bomb_bytes, "解压后过大"),
    BadImport("truncated-xlsx", lambda: b"PK\x03\x04" + bytes(100), "无法读取该 Excel 文件"),
    BadImport("docx-renamed-xlsx", docx_bytes, "无法读取该 Excel 文件"),
    BadImport("header-only", lambda: csv_bytes([RESULT_HEADER]), "文件只有表头"),
    BadImport(
        "5001-rows",
        lambda: csv_bytes([RESULT_HEADER, *[["2023000000001", "1", "录取"]] * 5001]),
        "文件行数过多（超过 5000 行）",
    ),
    BadImport(
        "unclosed-quote",
        lambda: csv_bytes([RESULT_HEADER, ['"2023000000001', "1", "录取"]]),
        "CSV 文件格式有误",
    ),
    BadImport("wrong-header", lambda: csv_bytes([["name", "result"], ["a", "b"]]), "表头不正确"),
    BadImport("over-2-mb", lambda: csv_bytes([RESULT_HEADER]) + b"x" * (2 * MB), "文件太大"),
]
