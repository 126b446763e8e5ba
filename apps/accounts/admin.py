from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.applications.admin_tracks import CheckedSelectionAdminMixin

from .models import StudentProfile


@admin.register(StudentProfile)
class StudentProfileAdmin(CheckedSelectionAdminMixin, admin.ModelAdmin):
    list_display = ["student_id", "name", "school", "major", "degree_level", "enrollment_year"]
    list_filter = ["degree_level", "school"]
    search_fields = ["user__username", "name", "name_en"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["ldap_fields", "updated_at"]

    @admin.display(description=_("学号"), ordering="user__username")
    def student_id(self, obj):
        return obj.user.username
