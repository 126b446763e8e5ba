"""The attachments' files: real, small, and shared by hard links on the local folder."""

import io
import os
import random
import shutil
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfWriter

from apps.core.storage import is_local

from .names import ORIGINALS_PER_KIND


class FilePool:
    """A few real files, stored under a new generated name for each attachment.

    On the local media folder each is a hard link to one of a few originals (395,000 files
    in seconds). On object storage (STORAGE_BACKEND=s3) each is uploaded through the
    storage API: one PUT per file, so seed a full-size benchmark bucket with patience.
    """

    def __init__(self, storage=None):
        self.storage = storage or default_storage
        self.local = is_local(self.storage)
        if self.local:
            self.root = Path(self.storage.location)
            self.originals = self.root / "seed_scale"
            self.originals.mkdir(parents=True, exist_ok=True)
        self.pdfs = [self._write(f"doc{i}.pdf", self._pdf(i)) for i in range(ORIGINALS_PER_KIND)]
        self.jpegs = [self._write(f"img{i}.jpg", self._jpeg(i)) for i in range(ORIGINALS_PER_KIND)]
        self.made_dirs = set()

    def _write(self, name, data):
        if not self.local:
            return data, len(data)
        path = self.originals / name
        if not path.exists() or path.stat().st_size != len(data):
            path.write_bytes(data)
        return path, len(data)

    @staticmethod
    def _pdf(i):
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Title": f"Seed document {i}"})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    @staticmethod
    def _jpeg(i):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (40 + 10 * i, 120, 160)).save(out, "JPEG", quality=80)
        return out.getvalue()

    def place(self, application_id, jpeg=False):
        """(storage name, size, content type) of a new file for `application_id`."""
        source, size = random.choice(self.jpegs if jpeg else self.pdfs)
        folder = f"attachments/{application_id}"
        kind = "image/jpeg" if jpeg else "application/pdf"
        if not self.local:
            name = self.storage.save(f"{folder}/{uuid.uuid4().hex}", ContentFile(source))
            return name, size, kind
        if folder not in self.made_dirs:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(folder)
        name = f"{folder}/{uuid.uuid4().hex}"
        try:
            os.link(source, self.root / name)
        except OSError:  # too many links, or no hard links on this file system
            shutil.copyfile(source, self.root / name)
        return name, size, kind
