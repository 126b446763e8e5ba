import io
import struct
import zipfile
import zlib

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, PngImagePlugin

from apps.attachments.validators import CheckedUpload, check_upload

# --- Sample files ------------------------------------------------------------------------


def pdf_bytes(pages=1, padding=0):
    """A real PDF made by pypdf; `padding` characters of metadata make it that much bigger."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf_bytes(user_password, owner_password="owner"):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
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


def mpo_bytes():
    """Two JPEGs in one file, as phone cameras write; Pillow calls the format MPO."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (8, 6), "red"), Image.new("RGB", (8, 6), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
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


def png_with_corrupt_pixels_bytes():
    """Every chunk's checksum is right (so verify() passes) but the pixels do not inflate."""
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"not zlib data at all")
        + png_chunk(b"IEND", b"")
    )


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


def upload(data, name="file.pdf", content_type="application/octet-stream"):
    """An upload whose name is exactly `name`. Django's multipart parser and UploadedFile
    already drop directories and non-printable characters, but check_upload must not
    depend on the caller having gone through them."""
    uploaded = SimpleUploadedFile("placeholder", data, content_type=content_type)
    uploaded._name = name
    return uploaded


def refusal(uploaded):
    with pytest.raises(ValidationError) as excinfo:
        check_upload(uploaded)
    return excinfo.value


# --- Refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(zip_bytes(), id="zip"),
        pytest.param("这不是成绩单".encode(), id="text"),
        pytest.param(b"<!doctype html><script>alert(1)</script>", id="html"),
        pytest.param(b"GIF89a" + bytes(20), id="gif"),
        pytest.param(b" %PDF-1.7\n", id="pdf-magic-not-at-start"),
    ],
)
def test_other_file_types_are_refused_whatever_their_name(data):
    error = refusal(upload(data, "成绩单.pdf", content_type="application/pdf"))
    assert error.code == "bad_type"
    assert error.messages == ["只能上传 PDF、JPG 或 PNG 文件（按文件内容识别）。"]


def test_html_behind_a_png_signature_is_refused():
    data = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    assert refusal(upload(data, "x.png", content_type="image/png")).code == "bad_image"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(image_bytes("PNG")[:60], id="truncated-png"),
        pytest.param(image_bytes("JPEG")[:200], id="truncated-jpeg"),
        pytest.param(image_bytes("JPEG", size=(64, 64))[:-200], id="jpeg-cut-in-the-pixels"),
        pytest.param(png_with_corrupt_pixels_bytes(), id="png-with-corrupt-pixels"),
        pytest.param(b"\xff\xd8\xff" + b"garbage" * 10, id="jpeg-magic-then-garbage"),
    ],
)
def test_images_that_do_not_decode_are_refused(data):
    error = refusal(upload(data, "photo.png"))
    assert error.code == "bad_image"
    assert error.messages == ["图片文件已损坏或无法打开，请重新导出后上传。"]


def test_an_empty_file_is_refused():
    error = refusal(upload(b"", "成绩单.pdf"))
    assert error.code == "empty"
    assert error.messages == ["文件是空的，请重新选择。"]


@pytest.mark.parametrize("builder", [pdf_bytes, image_bytes], ids=["pdf", "png"])
def test_one_byte_over_the_cap_is_refused_and_exactly_the_cap_passes(settings, builder):
    settings.ATTACHMENT_MAX_BYTES = 2048
    assert refusal(upload(sized(builder, 2049))).code == "too_large"
    assert check_upload(upload(sized(builder, 2048))).size == 2048


def test_the_size_is_checked_before_the_content_and_the_limit_is_given_in_mb(settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    error = refusal(upload(b"not a pdf" * 250_000))
    assert error.code == "too_large"
    assert error.messages == ["文件超过 2 MB 的大小上限，请压缩后再上传。"]


@pytest.mark.parametrize(
    "width, height",
    [
        pytest.param(20_000, 20_000, id="400-megapixels-pillow-refuses-to-open"),
        pytest.param(7_000, 7_000, id="49-megapixels-over-our-limit"),
    ],
)
def test_decompression_bombs_are_refused_before_decoding(width, height):
    data = bomb_png_bytes(width, height)
    assert len(data) < 100_000
    error = refusal(upload(data, "bomb.png"))
    assert error.code == "image_too_large"
    assert error.messages == ["图片尺寸过大，请缩小后再上传。"]


def test_pillows_decompression_bomb_warning_counts_as_a_refusal(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3_000)  # 64 x 64 = 4096: warning only
    assert refusal(upload(image_bytes(size=(64, 64)), "x.png")).code == "image_too_large"


def test_the_pixel_limit_is_a_setting(settings):
    settings.ATTACHMENT_MAX_PIXELS = 100
    assert refusal(upload(image_bytes("JPEG", size=(20, 10)), "x.jpg")).code == "image_too_large"
    assert check_upload(upload(image_bytes("JPEG", size=(10, 10)), "x.jpg"))


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\x.pdf",
        "a/b.pdf",
        "C:\\Users\\x\\成绩单.pdf",
        "..",
        "...",
        "   ",
        "",
        "a\r\nContent-Type: text/html.pdf",
        "a\x00.pdf",
        "a\tb.pdf",
        "a\u2028b.pdf",  # LINE SEPARATOR
        "invoice\u202egpj.pdf",  # RIGHT-TO-LEFT OVERRIDE: shows as invoicefdp.jpg
        "\u200ea.pdf",  # LEFT-TO-RIGHT MARK
        "a\u2066b\u2069.pdf",  # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE
        "成绩\u200b单.pdf",  # ZERO WIDTH SPACE
        "\ufeff成绩单.pdf",  # BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE
    ],
)
def test_names_with_paths_or_control_characters_are_refused(name):
    error = refusal(upload(pdf_bytes(), name))
    assert error.code == "bad_name"
    assert error.messages == [
        "文件名含有不允许的字符（路径、换行或文字方向控制符），请重命名后再上传。"
    ]


def test_a_name_longer_than_200_characters_is_refused():
    assert check_upload(upload(pdf_bytes(), "成" * 196 + ".pdf")).name == "成" * 196 + ".pdf"
    error = refusal(upload(pdf_bytes(), "成" * 197 + ".pdf"))
    assert error.code == "name_too_long"
    assert error.messages == ["文件名太长（最多 200 个字符），请重命名后再上传。"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n garbage", id="garbage"),
        pytest.param(pdf_bytes()[:200], id="truncated"),
        pytest.param(pdf_bytes(pages=0), id="no-pages"),
    ],
)
def test_pdfs_that_cannot_be_read_are_refused(data):
    error = refusal(upload(data, "成绩单.pdf"))
    assert error.code == "bad_pdf"
    assert error.messages == ["PDF 文件已损坏或无法读取，请重新导出后上传。"]


def test_a_pdf_that_needs_a_password_to_open_is_refused():
    error = refusal(upload(encrypted_pdf_bytes(user_password="secret"), "成绩单.pdf"))
    assert error.code == "encrypted_pdf"
    assert error.messages == ["PDF 文件已加密，请上传未加密的文件。"]


# --- Accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, name, content_type",
    [
        pytest.param(pdf_bytes(), "成绩单.pdf", "application/pdf", id="pdf"),
        pytest.param(pdf_bytes(pages=3), "Transcript.PDF", "application/pdf", id="pdf-3-pages"),
        pytest.param(image_bytes("PNG"), "photo.png", "image/png", id="png"),
        pytest.param(image_bytes("JPEG"), "scan.jpg", "image/jpeg", id="jpg"),
        pytest.param(image_bytes("JPEG"), "scan.JPEG", "image/jpeg", id="jpeg"),
        pytest.param(mpo_bytes(), "IMG_0001.jpg", "image/jpeg", id="phone-photo-mpo"),
    ],
)
def test_valid_files_are_accepted(data, name, content_type):
    assert check_upload(upload(data, name)) == CheckedUpload(
        content_type=content_type, name=name, size=len(data)
    )


def test_a_chinese_file_name_is_kept_exactly():
    name = "成绩单（中文版）.pdf"
    assert check_upload(upload(pdf_bytes(), name)).name == name


def test_names_are_normalized_to_nfc():
    assert check_upload(upload(pdf_bytes(), "Rene\u0301.pdf")).name == "Ren\u00e9.pdf"


def test_a_pdf_with_only_an_owner_password_is_accepted():
    checked = check_upload(upload(encrypted_pdf_bytes(user_password=""), "成绩单.pdf"))
    assert checked.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data, name, expected",
    [
        pytest.param(image_bytes("PNG"), "成绩单.pdf", "成绩单.png", id="png-named-pdf"),
        pytest.param(image_bytes("JPEG"), "scan.png", "scan.jpg", id="jpeg-named-png"),
        pytest.param(pdf_bytes(), "report.docx", "report.pdf", id="pdf-named-docx"),
        pytest.param(pdf_bytes(), "成绩单", "成绩单.pdf", id="no-extension"),
        pytest.param(pdf_bytes(), "成绩单.", "成绩单.pdf", id="trailing-dot"),
        pytest.param(pdf_bytes(), "成绩单 v1.2", "成绩单 v1.2.pdf", id="version-is-no-extension"),
        pytest.param(pdf_bytes(), "张三.成绩单", "张三.成绩单.pdf", id="chinese-is-no-extension"),
    ],
)
def test_the_extension_is_corrected_to_the_real_type(data, name, expected):
    assert check_upload(upload(data, name)).name == expected


def test_a_png_named_pdf_is_accepted_as_a_png():
    checked = check_upload(upload(image_bytes("PNG"), "成绩单.pdf", content_type="application/pdf"))
    assert (checked.content_type, checked.name) == ("image/png", "成绩单.png")


def test_the_content_type_sent_by_the_browser_is_ignored():
    checked = check_upload(upload(pdf_bytes(), "成绩单.pdf", content_type="image/png"))
    assert checked.content_type == "application/pdf"


@pytest.mark.parametrize("data", [pdf_bytes(), image_bytes("PNG"), image_bytes("JPEG")])
def test_the_file_is_rewound_for_storage(data):
    uploaded = upload(data, "x.pdf")
    check_upload(uploaded)
    assert uploaded.read() == data


def test_large_uploads_spooled_to_disk_are_checked_too():
    data = pdf_bytes()
    with TemporaryUploadedFile("成绩单.pdf", "application/pdf", len(data), None) as uploaded:
        uploaded.write(data)
        uploaded.seek(0)
        assert check_upload(uploaded).content_type == "application/pdf"
        assert uploaded.read() == data
