"""The audit log in admin: read-only for everyone, and a clerk reads only their track's."""

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from apps.applications.models import Application
from apps.attachments.models import Attachment
from apps.core.audit import action_label, actor_label, changes_html
from apps.core.models import AuditEntry
from apps.programs.models import Program
from apps.scores.models import ScoreSupplement
from apps.summaries.models import ReturnSummary

from ..tracks import ReadOnlyAdminMixin, TrackScopedAdminMixin, regions_of

# Shown once, under the portal's name (AuditEntry), not also as the package's English one.
admin.site.unregister(LogEntry)


class AuditedModelFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "model"
    models = [Program, Application, Attachment, ScoreSupplement, ReturnSummary]

    def lookups(self, request, model_admin):
        return [(m._meta.model_name, m._meta.verbose_name) for m in self.models]

    def queryset(self, request, queryset):
        for model in self.models:
            if self.value() == model._meta.model_name:
                return queryset.filter(content_type=ContentType.objects.get_for_model(model))
        return queryset


class DatedChangeList(ChangeList):
    """Django's list, a year out of the calendar in the date drill-down (`?timestamp__year=`)
    refused like any bad filter (the list again, "?e=1") instead of a server error: Django
    turns it into a range from that year to the next, which Python's dates and the
    database's time zone conversion overflow below year 2 and above year 9998."""

    def get_filters(self, request):
        year = request.GET.get(f"{self.date_hierarchy}__year")
        if year is not None and not (
            year.isascii() and year.isdigit() and len(year) <= 4 and 1 < int(year) < 9999
        ):
            raise IncorrectLookupParameters(year[:10])
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:  # a month or day out of range
            raise IncorrectLookupParameters(error) from error


@admin.register(AuditEntry)
class AuditLogAdmin(ReadOnlyAdminMixin, TrackScopedAdminMixin, admin.ModelAdmin):
    """Who changed what and when. Nobody adds, edits or deletes entries here."""

    list_display = ["when", "subject", "object_type", "action_name", "who", "change_summary"]
    list_filter = [AuditedModelFilter]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "actor__username", "actor__first_name", "actor__last_name"]
    fields = ["when", "object_type", "subject", "action_name", "who", "change_details", "address"]
    readonly_fields = fields
    date_hierarchy = "timestamp"
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return DatedChangeList

    def scope(self, request, queryset):
        """Entries about programs and applications (and their parts) of the clerk's track."""
        visible = Application.objects.visible_to(request.user).values("pk")
        programs = Program.objects.filter(region__in=regions_of(request)).values("pk")
        owned = {Program: programs, Application: visible}
        for part in (Attachment, ScoreSupplement, ReturnSummary):
            owned[part] = part.objects.filter(application__in=visible).values("pk")
        condition = Q()
        for model, pks in owned.items():
            content_type = ContentType.objects.get_for_model(model)
            condition |= Q(content_type=content_type, object_id__in=pks)
        return queryset.filter(condition)

    def in_track(self, request, obj):
        if obj is None or request.user.is_superuser:
            return True
        return self.scope(request, AuditEntry.objects.filter(pk=obj.pk)).exists()

    @admin.display(description=_("时间"), ordering="timestamp")
    def when(self, entry):
        return f"{localtime(entry.timestamp):%Y-%m-%d %H:%M}"

    @admin.display(description=_("对象"), ordering="object_repr")
    def subject(self, entry):
        return entry.object_repr

    @admin.display(description=_("IP 地址"))
    def address(self, entry):
        return entry.remote_addr or "—"

    # (Method names must not shadow LogEntry's fields or ModelAdmin's attributes.)
    @admin.display(description=_("对象类型"))
    def object_type(self, entry):
        return entry.content_type.name

    @admin.display(description=_("操作"), ordering="action")
    def action_name(self, entry):
        return action_label(entry)

    @admin.display(description=_("操作人"), ordering="actor")
    def who(self, entry):
        return actor_label(entry)

    @admin.display(description=_("修改内容"))
    def change_summary(self, entry):
        if entry.action == AuditEntry.Action.CREATE:
            return _("新建记录（%(count)s 个字段）") % {"count": len(entry.changes_dict)}
        return changes_html(entry, truncate=60)

    @admin.display(description=_("修改内容"))
    def change_details(self, entry):
        return changes_html(entry)
