"""The office's result, export and statistics pages, mixed into ApplicationAdmin.

Who may do what:
- 录取结果 (one by one, or a CSV/XLSX file): superusers, and the clerks of the
  application's track who may change applications. The manual has the office's
  管理员 handle applications, and the partner school answers the office that
  nominated the student, so each office enters its own track's results.
- exports, attachment ZIPs and statistics: superusers and clerks of a track, for
  their track only.
Every view and action scopes its rows with `Application.objects.visible_to`
itself, whatever the admin's own queryset does.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core.db_router import reads_from_replica
from apps.core.validators import ascii_number
from apps.programs.models import Program, Region

from . import exports, results, services, statistics
from .models import AdmissionResult, Application, Status, staff_regions

# Signed rows between preview and confirm: the file itself is never stored.
TOKEN_SALT = "applications.admission-import"
TOKEN_MAX_AGE = 3600
# How many refused rows an action's message lists before "…".
LISTED = 10


class AdmissionImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # parse_upload says "文件是空的" in its own words
        label=gettext_lazy("结果文件"),
        help_text=gettext_lazy("CSV（UTF-8 或 GBK 编码）或 Excel（.xlsx）文件。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class AdmissionResultForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("录取结果"),
        choices=[
            (AdmissionResult.ADMITTED, AdmissionResult.ADMITTED.label),
            (AdmissionResult.NOT_ADMITTED, AdmissionResult.NOT_ADMITTED.label),
        ],
        widget=forms.RadioSelect,
    )


def _sign_rows(rows, user):
    return signing.dumps(
        [row.as_list() for row in rows], salt=f"{TOKEN_SALT}:{user.pk}", compress=True
    )


def _unsign_rows(token, user):
    values = signing.loads(token, salt=f"{TOKEN_SALT}:{user.pk}", max_age=TOKEN_MAX_AGE)
    return [results.ResultRow.from_list(v) for v in values]


class AdmissionResultsAdminMixin:
    """Results, exports and statistics for ApplicationAdmin; every hook calls super()."""

    # --- who may -------------------------------------------------------------------

    def track_regions(self, request):
        """The tracks this user works for: both for a superuser (asked once per request)."""
        if not hasattr(request, "_track_regions"):
            user = request.user
            request._track_regions = (
                list(Region.values) if user.is_superuser else staff_regions(user)
            )
        return request._track_regions

    def has_admission_permission(self, request):
        return bool(self.track_regions(request)) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return bool(self.track_regions(request)) and self.has_view_permission(request)

    def _visible(self, request, queryset=None):
        queryset = Application.objects.all() if queryset is None else queryset
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=Application.objects.visible_to(request.user).values("pk"))

    def url_for(self, name, *args):
        info = self.opts.app_label, self.opts.model_name
        name = f"admin:{info[0]}_{info[1]}_{name}"
        return reverse(name, args=args, current_app=self.admin_site.name)

    # --- hooks -----------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        routes = [
            ("admission-results/import/", self.admission_import_view, "admission_import"),
            ("admission-results/confirm/", self.admission_confirm_view, "admission_confirm"),
            ("admission-results/template.csv", self.admission_template_view, "admission_template"),
            ("<path:object_id>/admission-result/", self.admission_result_view, "admission_result"),
            ("export/<str:fmt>/", self.export_view, "export"),
            ("statistics/", self.statistics_view, "statistics"),
        ]
        urls = [
            path(route, self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))
            for route, view, name in routes
        ]
        return urls + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR in request.GET:
            return actions
        names = []
        if self.has_admission_permission(request):
            names += ["set_admitted", "set_not_admitted"]
        if self.has_export_permission(request):
            names += ["download_attachments"]
        for name in names:
            actions[name] = self.get_action(name)
        return actions

    def get_readonly_fields(self, request, obj=None):
        # The result changes only through set_admission_result, never through the form.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "admission_result" in fields else [*fields, "admission_result"]

    def changelist_view(self, request, extra_context=None):
        tools = {
            "can_import": self.has_admission_permission(request),
            "can_export": self.has_export_permission(request),
        }
        return super().changelist_view(
            request, extra_context={**(extra_context or {}), "results_tools": tools}
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_admission_permission(request):
            pk = ascii_number(unquote(object_id))
            approved = self._visible(request).filter(status=Status.APPROVED)
            if pk is not None and approved.filter(pk=pk).exists():
                extra_context["admission_result_url"] = self.url_for("admission_result", pk)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- actions -----------------------------------------------------------------------

    @admin.action(description=gettext_lazy("设为录取"))
    def set_admitted(self, request, queryset):
        self._set_results(request, queryset, AdmissionResult.ADMITTED)

    @admin.action(description=gettext_lazy("设为未录取"))
    def set_not_admitted(self, request, queryset):
        self._set_results(request, queryset, AdmissionResult.NOT_ADMITTED)

    def _set_results(self, request, queryset, result):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        label = AdmissionResult(result).label
        changed, unchanged, refused = 0, 0, []
        for application in self._visible(request, queryset).select_related("student", "program"):
            old = application.admission_result
            try:
                services.set_admission_result(
                    application=application, result=result, actor=request.user
                )
            except services.ApplicationError as error:
                refused.append(
                    _("%(student)s（%(program)s）：%(reason)s")
                    % {
                        "student": application.student.username,
                        "program": application.program,
                        "reason": error.message,
                    }
                )
                continue
            if old == result:
                unchanged += 1
            else:
                changed += 1
        if changed:
            messages.success(
                request,
                _("已将 %(count)s 条申请设为「%(result)s」。")
                % {"count": changed, "result": label},
            )
        if unchanged:
            messages.info(
                request,
                _("%(count)s 条申请原本就是「%(result)s」，未更改。")
                % {"count": unchanged, "result": label},
            )
        if refused:
            listed = _("；").join(refused[:LISTED]) + ("…" if len(refused) > LISTED else "")
            messages.warning(
                request,
                _("%(count)s 条申请未能更改：%(rows)s") % {"count": len(refused), "rows": listed},
            )
        if not (changed or unchanged or refused):
            messages.warning(request, _("没有可以更改的申请。"))

    @admin.action(description=gettext_lazy("下载所选申请的附件（ZIP）"))
    def download_attachments(self, request, queryset):
        if not self.has_export_permission(request):
            raise PermissionDenied
        ids = list(queryset.values_list("pk", flat=True))
        attachments = list(exports.visible_attachments(request.user, ids))
        if not attachments:
            messages.warning(request, _("所选申请没有可下载的附件。"))
            return None
        response = StreamingHttpResponse(
            exports.zip_chunks(attachments), content_type="application/zip"
        )
        response["Content-Disposition"] = content_disposition_header(True, exports.zip_filename())
        response["Cache-Control"] = "private, no-store"
        return response

    # --- one result on the change page ----------------------------------------------

    def admission_result_view(self, request, object_id):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        application = get_object_or_404(
            self._visible(request).select_related("student", "program"), pk=unquote(object_id)
        )
        change_url = self.url_for("change", application.pk)
        form = AdmissionResultForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_admission_result(
                    application=application, result=form.cleaned_data["result"], actor=request.user
                )
            except services.ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("已将 %(student)s 的录取结果设为「%(result)s」。")
                    % {
                        "student": application.student.username,
                        "result": AdmissionResult(form.cleaned_data["result"]).label,
                    },
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("录入录取结果"),
            "application": application,
            "form": form,
            "change_url": change_url,
            "can_set": application.status == Status.APPROVED,
        }
        return TemplateResponse(
            request, "admin/applications/application/admission_result.html", context
        )

    # --- a whole file: upload → preview → confirm -------------------------------------

    def _import_page(self, request, form, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入录取结果"),
            "form": form,
            "template_url": self.url_for("admission_template"),
            "export_url": self.url_for("export", "xlsx") + f"?status={Status.APPROVED}",
            "max_rows": settings.ADMISSION_IMPORT_MAX_ROWS,
            # The ids a clerk needs when titles repeat: programs with approved applications.
            "programs": Program.objects.filter(
                region__in=self.track_regions(request), applications__status=Status.APPROVED
            )
            .distinct()
            .order_by("-opens_at", "pk"),
        }
        return TemplateResponse(
            request, "admin/applications/application/admission_import.html", context, status=status
        )

    def _preview_page(self, request, preview, token):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("确认导入录取结果"),
            "preview": preview,
            "token": token,
            "import_url": self.url_for("admission_import"),
            "confirm_url": self.url_for("admission_confirm"),
        }
        return TemplateResponse(
            request, "admin/applications/application/admission_preview.html", context
        )

    def admission_import_view(self, request):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._import_page(request, AdmissionImportForm())
        form = AdmissionImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._import_page(request, form)
        try:
            rows = results.parse_upload(form.cleaned_data["file"])
        except results.ImportFileError as error:
            form.add_error("file", error.message)
            return self._import_page(request, form)
        preview = results.build_preview(rows, actor=request.user)
        return self._preview_page(request, preview, _sign_rows(rows, request.user))

    def admission_confirm_view(self, request):
        return require_POST(self._confirm)(request)

    def _confirm(self, request):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        token = request.POST.get("token", "")
        try:
            rows = _unsign_rows(token, request.user)
        except signing.BadSignature:
            messages.error(request, _("预览已过期或无效，请重新上传文件。"))
            return redirect(self.url_for("admission_import"))
        try:
            preview = services.import_admission_results(rows=rows, actor=request.user)
        except services.ImportRefused as refused:
            messages.error(request, refused.message)
            return self._preview_page(request, refused.preview, token)
        messages.success(
            request,
            _("已写入 %(changed)s 条录取结果；%(unchanged)s 条无变化，%(skipped)s 条跳过。")
            % {
                "changed": len(preview.changes),
                "unchanged": len(preview.unchanged),
                "skipped": len(preview.skipped),
            },
        )
        return redirect(self.url_for("changelist"))

    def admission_template_view(self, request):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        header = ",".join(
            str(h)
            for h in (
                results.HEADER_STUDENT_ID,
                results.HEADER_PROGRAM_ID,
                results.HEADER_PROGRAM,
                results.HEADER_RESULT,
            )
        )
        response = HttpResponse(
            exports.EXCEL_BOM + header + "\r\n", content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, _("录取结果模板.csv"))
        return response

    # --- the filtered list as a file --------------------------------------------------

    @method_decorator(reads_from_replica)
    def export_view(self, request, fmt):
        if fmt not in ("xlsx", "csv"):
            raise Http404
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(self.url_for("changelist") + f"?{ERROR_FLAG}=1")
        queryset = self._visible(request, changelist.queryset)
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.csv_chunks(queryset), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                exports.xlsx_bytes(queryset),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = content_disposition_header(
            True, exports.export_filename(fmt)
        )
        response["Cache-Control"] = "private, no-store"
        return response

    # --- statistics ----------------------------------------------------------------------

    @method_decorator(reads_from_replica)
    def statistics_view(self, request):
        regions = self.track_regions(request)
        if not regions or not self.has_view_permission(request):
            raise PermissionDenied
        region = request.GET.get("region") or regions[0]
        if region not in regions:
            raise PermissionDenied
        year = ascii_number(request.GET.get("year", ""), max_digits=4)
        data = statistics.track_statistics(region, year)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("报名统计"),
            "region": region,
            "region_label": Region(region).label,
            "regions": [(r, Region(r).label) for r in regions],
            "year": year,
            "years": statistics.years(region),
            "stats": data,
            "measures": statistics.MEASURES,
            "total_cards": [(label, data.totals[key]) for key, label, _c in statistics.MEASURES],
            "chart": statistics.bar_chart(data.programs),
            "changelist_url": self.url_for("changelist"),
        }
        return TemplateResponse(request, "admin/applications/application/statistics.html", context)
