from django.contrib import admin

from apps.scores.models import ScoreSupplement

from ..tracks import ApplicationPartAdmin


@admin.register(ScoreSupplement)
class ScoreSupplementAdmin(ApplicationPartAdmin):
    """Visible to the staff of the application's track only."""

    list_display = ["application", "language_test", "score", "created_by", "created_at"]
    list_filter = ["language_test"]
    search_fields = ["application__student__username"]
    list_select_related = ["application__student", "application__program", "created_by"]
    raw_id_fields = ["application", "created_by"]
    readonly_fields = ["created_at"]
