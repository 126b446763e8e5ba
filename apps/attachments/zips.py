"""Attachments as one ZIP, written piece by piece: the office's download of the files of
the applications it picked, and the student's 下载我的数据."""

import io
import zipfile
from collections import Counter
from pathlib import PurePath

from django.utils import timezone
from django.utils.translation import gettext as _

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
READ_SIZE = 64 * 1024


class _Pipe(io.RawIOBase):
    """What zipfile writes, collected until the response takes it (a non-seekable sink)."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)

    def take(self):
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def zip_entry_names(attachments):
    """`<学号>/<学号>-<kind label>-<n>.<ext>`, n counting per student and kind from 1."""
    counts = Counter()
    for attachment in attachments:
        student_id = attachment.application.student.username
        label = str(attachment.kind_label)
        counts[student_id, label] += 1
        name = f"{student_id}-{label}-{counts[student_id, label]}"
        yield attachment, f"{student_id}/{name}{dot_extension(attachment)}"


def dot_extension(attachment):
    """ ".pdf", ".jpg", ".docx"…: by the sniffed type, else as the student named it."""
    extension = (
        EXTENSIONS.get(attachment.content_type)
        or PurePath(attachment.original_name).suffix.lstrip(".").lower()
    )
    return f".{extension}" if extension else ""


def zip_chunks(attachments, named=zip_entry_names, documents=()):
    """A ZIP of the files, produced piece by piece: no file is held whole in memory.

    `named` gives each attachment its path in the ZIP; `documents` are (name, bytes) written
    first. Non-ASCII names get the ZIP's UTF-8 flag (zipfile sets it), so Chinese names
    survive. A file missing from storage is listed in 缺失文件.txt instead of failing.
    """
    pipe = _Pipe()
    missing = []
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in documents:
            zf.writestr(name, content)
            yield pipe.take()
        for attachment, name in named(attachments):
            try:
                source = attachment.file.open("rb")
            except FileNotFoundError:
                missing.append(name)
                continue
            stamp = timezone.localtime(attachment.uploaded_at).timetuple()[:6]
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with source, zf.open(info, mode="w") as target:
                while block := source.read(READ_SIZE):
                    target.write(block)
                    yield pipe.take()
            yield pipe.take()
        if missing:
            note = _("以下附件在存储中找不到，未能打包：") + "\n" + "\n".join(missing) + "\n"
            zf.writestr(_("缺失文件.txt"), note.encode("utf-8"))
    yield pipe.take()
