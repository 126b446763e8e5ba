from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.attachments.display import file_link
from apps.attachments.models import Attachment

from ..tracks import ApplicationPartAdmin


@admin.register(Attachment)
class AttachmentAdmin(ApplicationPartAdmin):
    """Visible to the staff of the application's track only. Files come from students
    through the upload checks, so admin adds none; a file is downloaded through the view
    that checks access (private storage has no URL)."""

    list_display = ["original_name", "kind", "application", "size", "content_type", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "application__student__username"]
    list_select_related = ["application__student", "application__program"]
    fields = [
        "application",
        "kind",
        "download",
        "size",
        "content_type",
        "uploaded_at",
        "purged_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("文件"))
    def download(self, attachment):
        return file_link(attachment)
