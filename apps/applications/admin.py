from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_results import AdmissionResultsAdminMixin
from .models import Application, ApplicationEvent


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_value", "to_value", "actor", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(AdmissionResultsAdminMixin, admin.ModelAdmin):
    list_display = [
        "student_id",
        "name",
        "school",
        "program",
        "status",
        "admission_result",
        "submitted_at",
    ]
    list_filter = ["status", "admission_result", "program__region", "degree_level"]
    search_fields = ["student__username", "name", "program__title"]
    list_select_related = ["student", "program"]
    raw_id_fields = ["student", "program"]
    readonly_fields = ["created_at", "updated_at", "submitted_at"]
    inlines = [ApplicationEventInline]

    @admin.display(description=_("学号"), ordering="student__username")
    def student_id(self, obj):
        return obj.student.username


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(admin.ModelAdmin):
    """The history is evidence: readable, never editable."""

    list_display = ["application", "kind", "from_value", "to_value", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["application__student", "application__program", "actor"]
    search_fields = ["application__student__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
