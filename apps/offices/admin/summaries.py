from django.contrib import admin

from apps.summaries.models import ReturnSummary

from ..tracks import ApplicationPartAdmin


@admin.register(ReturnSummary)
class ReturnSummaryAdmin(ApplicationPartAdmin):
    """Visible to the staff of the application's track only."""

    list_display = ["application", "return_date", "submitted_at"]
    search_fields = ["application__student__username"]
    list_select_related = ["application__student", "application__program"]
    raw_id_fields = ["application"]
    readonly_fields = ["created_at", "updated_at"]
