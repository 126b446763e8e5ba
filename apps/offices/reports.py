"""The office's reports, mixed into ApplicationAdmin: the filtered list as a file (CSV,
XLSX), the selected applications' attachments as a ZIP, and 报名统计.

Who may: superusers and the clerks of a track who may view applications, for their
track only. Every view and action scopes its rows with `Application.objects.visible_to`
itself (`OfficeTracksMixin._visible`), whatever the admin's own queryset does.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.attachments import zips
from apps.core.db_router import reads_from_replica
from apps.core.validators import ascii_number
from apps.programs.models import Region

from . import exports, statistics
from .tracks import OfficeTracksMixin

ALL = "all"  # 报名统计 of both tracks side by side (the administrator's)


class OfficeReportsAdminMixin(OfficeTracksMixin):
    """Exports, attachment ZIPs and statistics for ApplicationAdmin; every hook calls
    super()."""

    def has_export_permission(self, request):
        return bool(self.track_regions(request)) and self.has_view_permission(request)

    # --- hooks -----------------------------------------------------------------------

    def get_urls(self):
        routes = [
            ("export/<str:fmt>/", self.export_view, "export"),
            ("statistics/", self.statistics_view, "statistics"),
        ]
        return self.office_urls(routes) + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.has_export_permission(request):
            actions["download_attachments"] = self.get_action("download_attachments")
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = self.with_tool(
            extra_context, "can_export", self.has_export_permission(request)
        )
        return super().changelist_view(request, extra_context)

    # --- the selection's files ---------------------------------------------------------

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
            zips.zip_chunks(attachments), content_type="application/zip"
        )
        response["Content-Disposition"] = content_disposition_header(True, exports.zip_filename())
        response["Cache-Control"] = "private, no-store"
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
        # The administrator (both tracks) sees them side by side unless he picks one.
        region = request.GET.get("region") or (ALL if len(regions) > 1 else regions[0])
        if region == ALL and len(regions) > 1:
            shown = list(regions)
        elif region in regions:
            shown = [region]
        else:
            raise PermissionDenied
        year = ascii_number(request.GET.get("year", ""), max_digits=4)
        terms = statistics.terms(shown, year)
        term = request.GET.get("term", "")
        term = term if term in terms else ""
        data = statistics.statistics(shown, year, term)
        region_label = _("全部类别") if len(shown) > 1 else Region(region).label
        if request.GET.get("download") == "xlsx":
            caption = " · ".join(
                str(part) for part in (_("报名统计"), region_label, year, term) if part
            )
            response = HttpResponse(
                statistics.xlsx_bytes(data, caption),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            name = _("报名统计-%(time)s.xlsx") % {"time": f"{timezone.localtime():%Y%m%d-%H%M}"}
            response["Content-Disposition"] = content_disposition_header(True, name)
            response["Cache-Control"] = "private, no-store"
            return response
        choices = [(r, Region(r).label) for r in regions]
        if len(regions) > 1:
            choices.insert(0, (ALL, _("全部类别")))
        query = {"region": region, "year": year or "", "term": term}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("报名统计"),
            "region": region,
            "region_label": region_label,
            "regions": choices,
            "year": year,
            "years": statistics.years(shown),
            "term": term,
            "terms": terms,
            "query": query,
            "download_query": urlencode({**query, "download": "xlsx"}),
            "stats": data,
            "measures": statistics.MEASURES,
            "total_cards": [
                (label, data.totals[key]) for key, label, *_rest in statistics.MEASURES
            ],
            "totals": [data.totals[key] for key in statistics.KEYS],
            "chart": statistics.bar_chart(data.programs),
            "changelist_url": self.url_for("changelist"),
        }
        return TemplateResponse(request, "admin/applications/application/statistics.html", context)
