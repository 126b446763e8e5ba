from django.contrib import admin

from apps.applications.admin_tracks import ApplicationPartAdmin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ApplicationPartAdmin):
    """Visible to the staff of the application's track only."""

    list_display = ["original_name", "kind", "application", "size", "content_type", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "application__student__username"]
    list_select_related = ["application__student", "application__program"]
    raw_id_fields = ["application"]
    readonly_fields = ["file", "original_name", "size", "content_type", "uploaded_at"]
