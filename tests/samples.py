"""Sample files for upload tests: real PDFs and images, and the bad ones students send.

Copied from tests/attachments/test_upload_validation.py so that view tests can share
them; that module may import from here later instead of keeping its own copies.
"""

import io
import struct
import zipfile
import zlib

import pypdf
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin


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
