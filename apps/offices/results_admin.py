"""The office's admission results (录取结果), mixed into ApplicationAdmin.

Who may: superusers, and the clerks of the application's track who may change
applications, one by one or from a CSV/XLSX file. The manual has the office's 管理员
handle applications, and the partner school answers the office that nominated the
student, so each office enters its own track's results. Every view and action scopes its
rows with `Application.objects.visible_to` itself (`OfficeTracksMixin._visible`),
whatever the admin's own queryset does. Exports, ZIPs and statistics: `reports`.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.applications import results, services
from apps.applications.models import AdmissionResult, Status
from apps.core import spreadsheets
from apps.core.validators import ascii_number
from apps.programs.models import Program

from . import exports, result_errors, result_files
from .tracks import OfficeTracksMixin

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


def _format(request):
    """The uploaded file's kind, which the error rows are given back in."""
    fmt = request.POST.get("fmt", "")
    return fmt if fmt in result_errors.FORMATS else "csv"


class AdmissionResultsAdminMixin(OfficeTracksMixin):
    """录取结果 for ApplicationAdmin; every hook calls super()."""

    # --- who may -------------------------------------------------------------------

    def has_admission_permission(self, request):
        return bool(self.track_regions(request)) and self.has_change_permission(request)

    # --- hooks -----------------------------------------------------------------------

    def get_urls(self):
        routes = [
            ("admission-results/import/", self.admission_import_view, "admission_import"),
            ("admission-results/confirm/", self.admission_confirm_view, "admission_confirm"),
            ("admission-results/errors/", self.admission_errors_view, "admission_errors"),
            ("admission-results/template.csv", self.admission_template_view, "admission_template"),
            ("<path:object_id>/admission-result/", self.admission_result_view, "admission_result"),
        ]
        return self.office_urls(routes) + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.has_admission_permission(request):
            for name in ("set_admitted", "set_not_admitted"):
                actions[name] = self.get_action(name)
        return actions

    def get_readonly_fields(self, request, obj=None):
        # The result changes only through set_admission_result, never through the form.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "admission_result" in fields else [*fields, "admission_result"]

    def changelist_view(self, request, extra_context=None):
        extra_context = self.with_tool(
            extra_context, "can_import", self.has_admission_permission(request)
        )
        return super().changelist_view(request, extra_context)

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

    def _preview_page(self, request, preview, token, fmt, imported=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入结果") if imported is not None else _("确认导入录取结果"),
            "preview": preview,
            "token": token,
            "fmt": fmt,
            "imported": imported,
            "import_url": self.url_for("admission_import"),
            "confirm_url": self.url_for("admission_confirm"),
            "errors_url": self.url_for("admission_errors"),
            "changelist_url": self.url_for("changelist"),
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
            rows = result_files.parse_upload(form.cleaned_data["file"])
        except result_files.ImportFileError as error:
            form.add_error("file", error.message)
            return self._import_page(request, form)
        preview = results.build_preview(rows, actor=request.user)
        upload = form.cleaned_data["file"]
        upload.seek(0)
        fmt = "xlsx" if upload.read(4) == spreadsheets.XLSX_MAGIC else "csv"
        return self._preview_page(request, preview, _sign_rows(rows, request.user), fmt)

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
        fmt = _format(request)
        # 只导入有效行 is the clerk's explicit choice; all or nothing otherwise.
        valid_only = request.POST.get("mode") == "valid"
        try:
            preview = services.import_admission_results(
                rows=rows, actor=request.user, valid_only=valid_only
            )
        except services.ImportRefused as refused:
            messages.error(request, refused.message)
            return self._preview_page(request, refused.preview, token, fmt)
        if preview.errors:
            # Only the valid rows were written: the page keeps the errors and their file.
            return self._preview_page(request, preview, token, fmt, imported=len(preview.changes))
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

    def admission_errors_view(self, request):
        return require_POST(self._error_rows)(request)

    def _error_rows(self, request):
        """The preview's error rows, with their reasons, as a file to fix and import again
        (checked again now: a row that has become valid meanwhile is not in it)."""
        if not self.has_admission_permission(request):
            raise PermissionDenied
        try:
            rows = _unsign_rows(request.POST.get("token", ""), request.user)
        except signing.BadSignature:
            messages.error(request, _("预览已过期或无效，请重新上传文件。"))
            return redirect(self.url_for("admission_import"))
        preview = results.build_preview(rows, actor=request.user)
        content, content_type, name = result_errors.error_file(preview, _format(request))
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response

    def admission_template_view(self, request):
        if not self.has_admission_permission(request):
            raise PermissionDenied
        header = ",".join(
            str(h)
            for h in (
                result_files.HEADER_STUDENT_ID,
                result_files.HEADER_PROGRAM_ID,
                result_files.HEADER_PROGRAM,
                result_files.HEADER_RESULT,
            )
        )
        response = HttpResponse(
            exports.EXCEL_BOM + header + "\r\n", content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, _("录取结果模板.csv"))
        return response
