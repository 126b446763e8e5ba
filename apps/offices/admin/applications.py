from django.contrib import admin
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from apps.accounts.models import PERSONAL_FIELDS
from apps.applications.models import SECTIONS, Application, ApplicationEvent, Status, score_label
from apps.applications.services import changes_since_return, form_changed
from apps.attachments.display import file_link
from apps.core.audit import history_html
from apps.core.pagination import EstimatedCountPaginator
from apps.programs import catalog_cache
from apps.programs.models import Region
from apps.summaries.models import ReturnSummary

from ..application_list import (
    ApplicationChangeList,
    ProgramFilter,
    RegionFilter,
    SchoolFilter,
    StatusFilter,
)
from ..exports import eligibility_label
from ..reports import OfficeReportsAdminMixin
from ..results_admin import AdmissionResultsAdminMixin
from ..revert import RevertAdminMixin
from ..review import ReviewAdminMixin
from ..site import ActionForm
from ..tracks import (
    ApplicationPartAdmin,
    ReadOnlyAdminMixin,
    TrackScopedAdminMixin,
    regions_of,
)


class ApplicationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The status history: evidence, shown and never edited."""

    model = ApplicationEvent
    extra = 0
    fields = ["created_at", "headline", "actor_name", "comment_and_items"]
    readonly_fields = fields
    verbose_name_plural = _("状态记录")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("意见"))
    def comment_and_items(self, event):
        """The comment, and what a 退回修改 asked to fix (需修改的内容) with the replies."""
        items = event.requested_return_items
        if not items:
            return event.comment or "—"
        # Phrasing content only: a read-only field of a tabular inline sits in a <p>.
        lines = format_html_join(
            "",
            "<br>· {}{}{}{}",
            (
                (
                    item.label,
                    _("："),
                    item.note,
                    format_html("（{}{}）", _("学生回复："), item.reply) if item.reply else "",
                )
                for item in items
            ),
        )
        return format_html(
            '{}<br><span class="quiet">{}</span>{}', event.comment, _("需修改的内容："), lines
        )

    @admin.display(description=_("操作人"))
    def actor_name(self, event):
        actor = event.actor
        return (actor.get_full_name() or actor.get_username()) if actor else "—"


PASSPORT_FIELDS = ["has_passport", "passport_number", "passport_expiry"]
# What the student submitted, read-only on the change page (clerks never edit it).
SUBMITTED_FIELDSETS = [
    (SECTIONS["personal"], {"fields": PERSONAL_FIELDS}),
    (SECTIONS["language"], {"fields": ["language_test", "score"]}),
    (SECTIONS["passport"], {"fields": PASSPORT_FIELDS}),
    (SECTIONS["attachments"], {"fields": ["attachment_links"]}),
]
# Never editable in admin, even by a superuser: they move only through the services.
MANAGED_FIELDS = [
    "student_number",
    "program",
    "status",
    "admission_result",
    "submitted_at",
    "created_at",
    "updated_at",
    "score",
    "requirements",
    "attachment_links",
    "summary",
    "audit_history",
]


@admin.register(Application)
class ApplicationAdmin(
    OfficeReportsAdminMixin,
    AdmissionResultsAdminMixin,
    ReviewAdminMixin,
    RevertAdminMixin,
    TrackScopedAdminMixin,
    admin.ModelAdmin,
):
    """The office's list of applications and the page of one, with the review buttons.

    The list is built for 100,000 rows: `list_select_related` (no query per row), no
    count of the whole table (`show_full_result_count = False`) and a paginator that
    asks PostgreSQL's planner instead of counting a big result (EstimatedCountPaginator).
    """

    list_display = [
        "student_number",
        "name",
        "school",
        "program",
        "status",
        "admission_result",
        "submitted_at",
        "score",
        "requirements",
    ]
    list_display_links = ["student_number", "name"]
    list_filter = [
        ProgramFilter,
        StatusFilter,
        "admission_result",
        RegionFilter,
        ("school", SchoolFilter),
        "degree_level",
        "eligibility",
    ]
    search_fields = ["student__username", "name", "program__title"]
    search_help_text = _("按学号、姓名或项目标题搜索")
    list_select_related = ["student", "program"]
    list_per_page = 50
    show_full_result_count = False
    # Facet counts would count the table once per filter choice.
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    action_form = ActionForm  # its drop-down rendered once per set of actions
    ordering = ["-submitted_at", "-pk"]
    inlines = [ApplicationEventInline]

    def scope(self, request, queryset):
        return queryset.visible_to(request.user)

    def region_of(self, application):
        return application.program.region

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student", "program")

    def get_changelist(self, request, **kwargs):
        return ApplicationChangeList

    def get_fieldsets(self, request, obj=None):
        head = [
            "student_number",
            "program",
            "status",
            "admission_result",
            "submitted_at",
            "requirements",
        ]
        summary = (
            [(_("交流总结"), {"fields": ["summary"]})] if obj and obj.can_write_summary else []
        )
        return [
            (None, {"fields": head}),
            *SUBMITTED_FIELDSETS,
            *summary,
            (_("修改记录"), {"fields": ["audit_history"], "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            # A superuser may correct what the student typed; the audit log records it.
            return MANAGED_FIELDS
        return [*MANAGED_FIELDS, *PERSONAL_FIELDS, "language_test", *PASSPORT_FIELDS]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        form_changed(obj)  # a superuser's correction is printed on the form

    _info = ("applications", "application")

    def has_add_permission(self, request):
        return False  # applications are made by students

    def has_delete_permission(self, request, obj=None):
        return False  # a withdrawn or rejected application stays, with its history

    def changelist_view(self, request, extra_context=None):
        # The filters' HTML depends on the query, the language and, through this key, on
        # the programs (any program saved makes a new catalog version) and the tracks the
        # user works for; the 学院 values are themselves read every SchoolFilter.SECONDS.
        user = request.user
        regions = ",".join(sorted(Region.values if user.is_superuser else regions_of(request)))
        extra_context = {
            "title": self.opts.verbose_name_plural,
            "filters_key": f"{catalog_cache.version()}:{regions}:{user.is_superuser:d}",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @method_decorator(sensitive_post_parameters("passport_number"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if not request.user.is_superuser:
            # Nothing on the page is editable for a clerk: no save buttons to confuse.
            extra_context |= {
                "title": _("审核报名申请"),
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
            }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["can_review"] = obj.status == Status.SUBMITTED and self.has_change_permission(
                request, obj
            )
            context["review_url_name"] = (
                f"admin:{self.opts.app_label}_{self.opts.model_name}_review"
            )
            context.update(self.revert_urls(request, obj))
            if obj.status in (Status.SUBMITTED, Status.RETURNED):
                # 退回后的修改: what the student changed since the office's last return.
                context["return_changes"] = changes_since_return(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("学号"), ordering="student__username")
    def student_number(self, application):
        return application.student.username

    @admin.display(description=_("外语成绩"), ordering="language_score")
    def score(self, application):
        if application.language_score is not None:  # 雅思 IELTS 7.0, not a bare "7"
            return score_label(application.language_test, application.language_score)
        return _("待补录") if not application.is_editable else "—"

    @admin.display(description=_("申请条件"), ordering="eligibility")
    def requirements(self, application):
        """满足 / 不满足 (naming the requirements) / 暂无法判断, by mark and words."""
        return eligibility_label(application.eligibility, application.requirements_unmet)

    @admin.display(description=_("附件"))
    def attachment_links(self, application):
        files = application.attachments.all()
        if not files:
            return _("未上传附件")
        return format_html_join(
            "",
            '<div class="attachment-link">{}：{} <span class="quiet">({} KB)</span></div>',
            ((f.kind_label, file_link(f), max(1, f.size // 1024)) for f in files),
        )

    @admin.display(description=_("交流总结"))
    def summary(self, application):
        """The student's summary after the exchange (its files are in 附件)."""
        summary = ReturnSummary.objects.filter(application=application).first()
        if summary is None:
            return _("未填写")
        if summary.is_submitted:
            when = timezone.localtime(summary.submitted_at).strftime("%Y-%m-%d %H:%M")
            state = _("已于 %(time)s 提交") % {"time": when}
        else:
            state = _("未提交")
        day = summary.return_date.isoformat() if summary.return_date else _("未填写")
        label = _("%(kind)s：%(value)s") % {
            "kind": application.program.words["return_date"],
            "value": day,
        }
        return format_html("{}<br>{}", label, state)

    @admin.display(description=_("修改记录"))
    def audit_history(self, application):
        return history_html(application)


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdminMixin, ApplicationPartAdmin):
    """The history is evidence: readable, never editable."""

    list_display = ["application", "kind", "from_label", "to_label", "actor", "created_at"]
    list_filter = ["kind"]
    fields = ["application", "kind", "from_label", "to_label", "comment", "actor", "created_at"]
    readonly_fields = fields
    list_select_related = ["application__student", "application__program", "actor"]
    search_fields = ["application__student__username"]

    @admin.display(description=_("原值"))
    def from_label(self, event):
        return event.from_label

    @admin.display(description=_("新值"))
    def to_label(self, event):
        return event.to_label
