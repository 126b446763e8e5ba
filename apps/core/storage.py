"""Private file storage: files are never given a public URL.

The `default` storage holds the uploads and the cached PDFs. It is the local media folder
(`PrivateFileSystemStorage`) unless `STORAGE_BACKEND=s3` puts it on S3-compatible object
storage (`PrivateS3Storage`), so that several app nodes share the same files. Code reads
and writes files only through the storage API (open, save, delete, listdir, size), never
through a path, so it runs unchanged on either.
"""

import io

from django.core.files import File
from django.core.files.storage import FileSystemStorage

try:  # django-storages and boto3 are installed, but only the s3 backend needs them
    from botocore.exceptions import BotoCoreError, ClientError
    from storages.backends.s3 import S3Storage
    from storages.utils import clean_name
except ImportError:  # pragma: no cover
    BotoCoreError = ClientError = None
    S3Storage = None

# What a storage raises when it cannot read or write a file: the local disk's OSError (a
# full disk, a missing file), and object storage's errors (refused, unreachable).
STORAGE_ERRORS = tuple(e for e in (OSError, BotoCoreError, ClientError) if e is not None)


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads kept outside every web root and streamed only by access-checked views."""

    def url(self, name):
        raise NotImplementedError(
            "Private files have no public URL; serve them through a view that checks access."
        )


class StreamedObject(File):
    """An object being read straight from the response of one GET, front to back.

    django-storages' own S3File asks for the object's metadata twice (HEAD) and downloads
    it whole into a buffer before the first byte is read; a download, a ZIP or a backup
    only ever reads a file once from the start, so one request and no buffer do. Its size
    is known, so FileResponse still sends a Content-Length (it only seeks to the end and
    back before reading).
    """

    def __init__(self, body, name, size):
        super().__init__(body, name)
        self.size = size
        self._position = 0
        self._virtual = None  # where a seek without reading put us

    def read(self, size=-1):
        if self._virtual not in (None, self._position):
            raise io.UnsupportedOperation("a streamed object is read from where it is")
        data = self.file.read(None if size is None or size < 0 else size)
        self._position += len(data)
        self._virtual = None
        return data

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position if self._virtual is None else self._virtual

    def seek(self, offset, whence=io.SEEK_SET):
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self.tell(), io.SEEK_END: self.size}[whence]
        self._virtual = target + offset
        return self._virtual

    def chunks(self, chunk_size=None):
        while data := self.read(chunk_size or self.DEFAULT_CHUNK_SIZE):
            yield data

    def close(self):
        self.file.close()


if S3Storage is not None:

    class PrivateS3Storage(S3Storage):
        """The same private files in an S3-compatible bucket (django-storages).

        Objects are written without an ACL (the bucket's default: private) and read with
        the portal's credentials only; views stream them after checking access, as from
        the local folder. An existing name is never overwritten (as on a local disk).
        A file opened for reading is streamed from one GET (`StreamedObject`).
        """

        def get_default_settings(self):
            return {
                **super().get_default_settings(),
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            }

        def _open(self, name, mode="rb"):
            if set(mode) - {"r", "b"}:
                return super()._open(name, mode)
            key = self._normalize_name(clean_name(name))
            try:
                response = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
            except ClientError as error:
                if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                    raise FileNotFoundError(f"File does not exist: {name}") from None
                raise
            return StreamedObject(response["Body"], name, response["ContentLength"])

        def url(self, name, parameters=None, expire=None, http_method=None):
            raise NotImplementedError(
                "Private files have no public URL; serve them through a view that checks access."
            )


def is_local(storage):
    """Whether `storage` is a folder on this machine (backup can tar it directly, the
    scale seeder can hard-link into it)."""
    return isinstance(storage, FileSystemStorage)


def walk(storage, folder=""):
    """Every file name under `folder` of `storage`, sorted, through `listdir` only."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # a local folder not made yet
        return
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in sorted(files):
        yield f"{prefix}{name}"
    for name in sorted(dirs):
        yield from walk(storage, f"{prefix}{name}")
