import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from PIL import Image

from apps.attachments.validators import CheckedUpload, check_upload
from tests.samples import (
    bomb_png_bytes,
    encrypted_pdf_bytes,
    image_bytes,
    mpo_bytes,
    pdf_bytes,
    png_with_corrupt_pixels_bytes,
    sized,
    upload,
    zip_bytes,
)


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
