"""Images that carry extra data are stored as only the image; a normal photo byte for byte.

A PNG with a web page after IEND, a JPEG with a ZIP archive after EOI: both are valid
images, so they are accepted, and what is stored ends at the image's own end marker
(quality, EXIF orientation and the student's file name unchanged).
"""

import io
import struct
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.attachments.images import jpeg_end, png_end
from apps.attachments.models import Attachment
from apps.attachments.validators import check_upload
from tests.samples import image_bytes, mpo_bytes, upload, zip_bytes

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
ORIENTATION = 0x0112


def photo_bytes(size=(64, 48), orientation=6, **options):
    """A camera-like JPEG: EXIF orientation 6 (rotate 90° on display), real pixels."""
    image = Image.new("RGB", size)
    image.putdata(
        [(x * 4 % 256, y * 5 % 256, (x + y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, **options)
    return out.getvalue()


def with_app1_holding_an_eoi(jpeg):
    """An APP1 segment whose data holds FF D9, as an EXIF thumbnail does: a search for the
    first EOI would cut the image there."""
    payload = b"Exif\x00\x00" + b"\x00" * 10 + b"\xff\xd9" + b"thumbnail"
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


@pytest.fixture
def draft(make_draft):
    return make_draft(complete=False)


def stored_bytes(attachment):
    with default_storage.open(attachment.file.name, "rb") as stored:
        return stored.read()


# --- The end markers --------------------------------------------------------------------


def test_png_end_is_after_iend():
    png = image_bytes("PNG", padding=500)
    assert png_end(png + HTML) == len(png)


@pytest.mark.parametrize(
    "jpeg",
    [
        pytest.param(image_bytes("JPEG", size=(40, 30)), id="baseline"),
        pytest.param(photo_bytes(progressive=True), id="progressive"),
        pytest.param(photo_bytes(), id="exif"),
        pytest.param(with_app1_holding_an_eoi(photo_bytes()), id="eoi-inside-app1"),
    ],
)
def test_jpeg_end_is_after_the_real_eoi(jpeg):
    assert jpeg_end(jpeg + zip_bytes()) == len(jpeg)


# --- check_upload: what will be stored ------------------------------------------------------


def test_a_png_with_html_appended_keeps_only_the_png():
    png = image_bytes("PNG", size=(30, 20))

    checked = check_upload(upload(png + HTML, "照片.png"))

    assert checked.image_only == png
    assert checked.size == len(png)
    assert checked.name == "照片.png"


def test_a_jpeg_with_a_zip_appended_keeps_only_the_jpeg():
    jpeg = photo_bytes()

    checked = check_upload(upload(jpeg + zip_bytes(), "scan.jpg"))

    assert checked.image_only == jpeg
    assert not zipfile.is_zipfile(io.BytesIO(checked.image_only))


def test_an_eoi_inside_exif_does_not_cut_the_image_short():
    jpeg = with_app1_holding_an_eoi(photo_bytes())

    checked = check_upload(upload(jpeg + HTML, "scan.jpg"))

    assert checked.image_only == jpeg
    with Image.open(io.BytesIO(checked.image_only)) as image:
        image.load()
        assert image.size == (64, 48)


def test_a_phone_photo_keeps_all_its_pictures_and_drops_what_follows():
    mpo = mpo_bytes()

    checked = check_upload(upload(mpo + zip_bytes(), "IMG_0001.jpg"))

    assert checked.image_only == mpo
    with Image.open(io.BytesIO(checked.image_only)) as image:
        assert image.n_frames == 2


@pytest.mark.parametrize(
    "data, name",
    [
        pytest.param(photo_bytes(), "IMG_2024.JPG", id="jpeg-photo"),
        pytest.param(image_bytes("PNG", size=(30, 20)), "截图.png", id="png-screenshot"),
        pytest.param(mpo_bytes(), "IMG_0001.jpg", id="phone-mpo"),
    ],
)
def test_a_normal_image_is_stored_as_uploaded(data, name):
    checked = check_upload(upload(data, name))

    assert checked.image_only is None
    assert checked.size == len(data)
    assert checked.file_to_store(upload(data, name)).read() == data


# --- Through the application form, into storage ------------------------------------------------


def post_transcript(client, application, data, name):
    url = reverse("applications:edit", args=[application.pk])
    file = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(url, {"action": "save", "transcript": file})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "image, extra, name",
    [
        pytest.param(image_bytes("PNG", size=(30, 20)), HTML, "成绩单.png", id="png+html"),
        pytest.param(photo_bytes(), zip_bytes(), "成绩单.jpg", id="jpeg+zip"),
    ],
)
def test_the_stored_file_is_only_the_image_under_the_original_name(
    student_client, draft, media, image, extra, name
):
    response = post_transcript(student_client, draft, image + extra, name)

    assert response.status_code in (200, 302)
    attachment = Attachment.objects.get(application=draft)
    assert stored_bytes(attachment) == image
    assert (attachment.original_name, attachment.size) == (name, len(image))


@pytest.mark.django_db
def test_a_camera_photo_is_stored_intact_with_its_orientation(student_client, draft, media):
    photo = photo_bytes(size=(64, 48), orientation=6)

    post_transcript(student_client, draft, photo, "IMG_2024.jpg")

    stored = stored_bytes(Attachment.objects.get(application=draft))
    assert stored == photo
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert image.getexif()[ORIENTATION] == 6


@pytest.mark.django_db
def test_a_camera_photo_with_a_zip_keeps_its_pixels_and_orientation(student_client, draft, media):
    photo = photo_bytes(size=(64, 48), orientation=8)

    post_transcript(student_client, draft, photo + zip_bytes(), "IMG_2025.jpg")

    stored = stored_bytes(Attachment.objects.get(application=draft))
    with Image.open(io.BytesIO(stored)) as image, Image.open(io.BytesIO(photo)) as original:
        assert image.size == (64, 48)
        assert image.getexif()[ORIENTATION] == 8
        assert image.tobytes() == original.tobytes()  # not re-encoded: no quality lost
