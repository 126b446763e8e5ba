from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "country", "closes_at", "state", "quota", "is_published"]
    list_filter = ["region", "is_published", "term"]
    search_fields = ["title", "partner", "country"]
    date_hierarchy = "opens_at"
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["region", "title", "partner", "country", "is_published"]}),
        (
            _("项目信息"),
            {"fields": ["description", "eligibility", "language_requirement", "quota", "contact"]},
        ),
        (
            _("时间"),
            {"fields": ["term", "duration", "start_date", "end_date", "opens_at", "closes_at"]},
        ),
        (_("记录"), {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("报名状态"))
    def state(self, obj):
        return obj.window_state().label
