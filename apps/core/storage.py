"""Private file storage: files are never given a public URL.

The `default` storage holds the uploads and the cached PDFs. It is the local media folder
(`PrivateFileSystemStorage`) unless `STORAGE_BACKEND=s3` puts it on S3-compatible object
storage (`PrivateS3Storage`), so that several app nodes share the same files. Code reads
and writes files only through the storage API (open, save, delete, listdir, size), never
through a path, so it runs unchanged on either.
"""

from django.core.files.storage import FileSystemStorage

try:  # django-storages and boto3 are installed, but only the s3 backend needs them
    from botocore.exceptions import BotoCoreError, ClientError
    from storages.backends.s3 import S3Storage
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


if S3Storage is not None:

    class PrivateS3Storage(S3Storage):
        """The same private files in an S3-compatible bucket (django-storages).

        Objects are written without an ACL (the bucket's default: private) and read with
        the portal's credentials only; views stream them after checking access, as from
        the local folder. An existing name is never overwritten (as on a local disk).
        """

        def get_default_settings(self):
            return {
                **super().get_default_settings(),
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                # A file read for a download is buffered in memory up to this size, then
                # in a temporary file: a big attachment never sits whole in a worker's RAM.
                "max_memory_size": 2 * 1024 * 1024,
            }

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
