from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.applications.models import AdmissionResult, Status
from apps.applications.services import recheck_program
from apps.core.audit import history_html
from apps.programs.models import Program, ProgramRequirement, Region, WindowState
from apps.programs.services import duplicate_for_next_term

from ..forms import ProgramRequirementForm
from ..tracks import TrackScopedAdminMixin, regions_of

# Applications the office has received (everything but drafts and withdrawals).
RECEIVED = [Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.REJECTED]


class WindowStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("报名状态")
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return WindowState.choices

    def queryset(self, request, queryset):
        if self.value() in WindowState.values:
            return queryset.in_state(WindowState(self.value()))
        return queryset


class ProgramRequirementInline(admin.TabularInline):
    """申请条件, structured: each a hint (参考) or checked at 提交 (必须满足)."""

    model = ProgramRequirement
    form = ProgramRequirementForm
    extra = 0
    verbose_name = gettext_lazy("申请条件")
    verbose_name_plural = gettext_lazy(
        "申请条件（同类的外语考试或学历层次任一满足即可；年级按每年 9 月开始的学年计算）"
    )

    # Part of the program: whoever may edit the program may edit its requirements (the
    # offices' groups hold the program's permissions, not a separate set for these rows).
    def _may_edit_program(self, request):
        return request.user.has_perm("programs.change_program")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("programs.view_program") or self._may_edit_program(request)

    def has_add_permission(self, request, obj=None):
        return self._may_edit_program(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit_program(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit_program(request)


@admin.register(Program)
class ProgramAdmin(TrackScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "region",
        "window",
        "state",
        "quota",
        "submitted_count",
        "approved_count",
        "admitted_count",
        "term",
        "is_published",
    ]
    list_filter = ["region", WindowStateFilter, "term", "is_published"]
    search_fields = ["title", "partner", "country"]
    search_help_text = gettext_lazy("按项目标题、合作院校或国家/地区搜索")
    actions = ["duplicate_for_next_term"]
    inlines = [ProgramRequirementInline]
    readonly_fields = ["created_at", "updated_at", "audit_history"]
    fieldsets = [
        (None, {"fields": ["region", "title", "partner", "country", "is_published"]}),
        (
            gettext_lazy("项目信息"),
            {"fields": ["description", "eligibility", "language_requirement", "quota", "contact"]},
        ),
        (
            gettext_lazy("时间"),
            {"fields": ["term", "duration", "start_date", "end_date", "opens_at", "closes_at"]},
        ),
        (gettext_lazy("记录"), {"fields": ["created_at", "updated_at"]}),
        (gettext_lazy("修改记录"), {"fields": ["audit_history"], "classes": ["collapse"]}),
    ]

    def scope(self, request, queryset):
        return queryset.filter(region__in=regions_of(request))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            # The office's list shows each application against today's requirements.
            changed = recheck_program(form.instance)
            if changed:
                messages.info(
                    request,
                    _("申请条件已更新，已重新核对 %(count)s 份申请。") % {"count": changed},
                )

    def region_of(self, program):
        return program.region

    def get_queryset(self, request):
        """The list's counts, all in the list's one query."""
        return (
            super()
            .get_queryset(request)
            .annotate(
                submitted=Count("applications", filter=Q(applications__status__in=RECEIVED)),
                approved=Count("applications", filter=Q(applications__status=Status.APPROVED)),
                admitted=Count(
                    "applications",
                    filter=Q(applications__admission_result=AdmissionResult.ADMITTED),
                ),
            )
        )

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            # A clerk creates and edits programs of their own track only.
            regions = regions_of(request)
            kwargs["choices"] = [(r.value, Region(r).label) for r in regions]
            if len(regions) == 1:
                kwargs["initial"] = regions[0].value
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_list_filter(self, request):
        if request.user.is_superuser or len(regions_of(request)) > 1:
            return self.list_filter
        return [f for f in self.list_filter if f != "region"]

    @admin.display(description=gettext_lazy("报名时间"), ordering="opens_at")
    def window(self, program):
        return f"{localtime(program.opens_at):%Y-%m-%d} ~ {localtime(program.closes_at):%Y-%m-%d}"

    @admin.display(description=gettext_lazy("报名状态"))
    def state(self, program):
        return program.window_state().label

    @admin.display(description=gettext_lazy("已提交"), ordering="submitted")
    def submitted_count(self, program):
        return program.submitted

    @admin.display(description=gettext_lazy("审核通过"), ordering="approved")
    def approved_count(self, program):
        return program.approved

    @admin.display(description=gettext_lazy("录取"), ordering="admitted")
    def admitted_count(self, program):
        return program.admitted

    @admin.display(description=gettext_lazy("修改记录"))
    def audit_history(self, program):
        return history_html(program) if program.pk else "—"

    @admin.action(description=gettext_lazy("复制到下一学期"), permissions=["add"])
    def duplicate_for_next_term(self, request, queryset):
        created, existing = [], []
        for program in queryset:
            if not self.in_track(request, program):
                continue
            copy, made = duplicate_for_next_term(program=program)
            (created if made else existing).append(
                _("%(title)s（%(term)s）") % {"title": copy.title, "term": copy.term}
            )
        if created:
            messages.success(
                request,
                _("已复制 %(count)s 个项目到下一学期，副本未发布，请核对后发布：%(names)s")
                % {"count": len(created), "names": _("；").join(created)},
            )
        if existing:
            messages.warning(
                request,
                _("以下项目的下一学期副本已经存在，未重复复制：%(names)s")
                % {"names": _("；").join(existing)},
            )
        if not (created or existing):  # e.g. a forged selection of another track's programs
            messages.warning(request, _("没有可以复制的项目。"))
