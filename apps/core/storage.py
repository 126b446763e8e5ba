"""Private file storage: files are never given a public URL."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads kept outside every web root and streamed only by access-checked views."""

    def url(self, name):
        raise NotImplementedError(
            "Private files have no public URL; serve them through a view that checks access."
        )
