"""The offices' list of applications: its filters and its ChangeList, built for 150,000
rows (see README, "Performance": no query per row, no full count, the rows read only to
render them, the filters' choices cached)."""

import unicodedata

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from apps.applications.models import Application, Status
from apps.core.validators import ascii_number
from apps.programs import catalog_cache
from apps.programs.models import Program, Region

from .tracks import regions_of


class ProgramFilter(admin.SimpleListFilter):
    """项目: the latest programs of the clerk's tracks, and any other found by its title.

    A track holds thousands of programs over the years: a link or an <option> for each
    made the list page 200 KB. The filter offers the chosen program, the LATEST programs
    (kept per catalog version, any program saved makes a new one, and for at most
    SECONDS, since a first application moves a program up), and after a search by title
    (`program_q`) up to FOUND matches. Programs that have applications come first, the
    most recent application window first: a program not open yet has none to filter.
    The 项目 list leads here too, one program at a time, from its counts.
    """

    title = _("项目")
    parameter_name = "program"
    search_parameter = "program_q"
    template = "admin/applications/program_filter.html"
    LATEST = 10
    FOUND = 20
    SECONDS = 300

    def __init__(self, request, params, model, model_admin):
        self.regions = sorted(Region.values if request.user.is_superuser else regions_of(request))
        searched = params.pop(self.search_parameter, None) or [""]
        searched = str(searched[-1] if isinstance(searched, list) else searched)
        # Control characters are nothing a person typed (and PostgreSQL refuses NUL).
        printable = "".join(c for c in searched if unicodedata.category(c) != "Cc")
        self.search = printable.strip()[:100]
        self.query = request.GET
        super().__init__(request, params, model, model_admin)

    def expected_parameters(self):
        return [self.parameter_name, self.search_parameter]

    def lookups(self, request, model_admin):
        # has_output() needs a non-empty list; the programs themselves are in choices().
        return [("", "")] if self.regions else []

    def _programs(self):
        """(pk, title) of the programs to offer: the search's matches, else the latest."""
        # What an office has: applications sent to it (a draft is the student's alone).
        sent = Application.objects.filter(program=OuterRef("pk")).exclude(status=Status.DRAFT)
        programs = (
            Program.objects.filter(region__in=self.regions)
            .annotate(has_applications=Exists(sent))
            .order_by("-has_applications", "-opens_at", "-pk")
        )
        if self.search:
            matches = programs.filter(title__icontains=self.search)
            return list(matches.values_list("pk", "title")[: self.FOUND])
        key = catalog_cache.page_key("admin-latest-programs", *self.regions)
        latest = cache.get(key)
        if latest is None:
            latest = list(programs.values_list("pk", "title")[: self.LATEST])
            if (ttl := min(self.SECONDS, catalog_cache.seconds_valid())) > 0:
                cache.set(key, latest, ttl)
        return latest

    def _chosen(self):
        number = ascii_number(self.value() or "")
        if number is None:
            return None
        title = catalog_cache.cached_fragment(
            "admin-program-title",
            [number, *self.regions],
            lambda: (
                Program.objects.filter(pk=number, region__in=self.regions)
                .values_list("title", flat=True)
                .first()
            ),
        )
        return (number, title) if title is not None else None

    def other_parameters(self):
        """The rest of the list's query (other filters, search), kept when searching."""
        return [
            (key, value)
            for key, values in self.query.lists()
            if key not in (self.parameter_name, self.search_parameter, "p")
            for value in values
        ]

    def choices(self, changelist):
        chosen = self._chosen()
        yield {
            "selected": chosen is None,
            "query_string": changelist.get_query_string(
                remove=[self.parameter_name, self.search_parameter]
            ),
            "display": _("全部"),
        }
        programs = self._programs()
        if chosen is not None and chosen not in programs:
            programs = [chosen, *programs]
        for pk, title in programs:
            yield {
                "selected": chosen is not None and pk == chosen[0],
                "query_string": changelist.get_query_string({self.parameter_name: pk}),
                "display": title,
            }

    def queryset(self, request, queryset):
        number = ascii_number(self.value() or "")
        return queryset if number is None else queryset.filter(program_id=number)


class SchoolFilter(admin.AllValuesFieldListFilter):
    """学院: the distinct schools of 150,000 applications are read once every few minutes,
    not on every page view (a new school shows up in the list within SECONDS)."""

    SECONDS = 300

    def __init__(self, field, request, params, model, model_admin, field_path):
        self._regions = sorted(Region.values if request.user.is_superuser else regions_of(request))
        super().__init__(field, request, params, model, model_admin, field_path)

    def choices(self, changelist):
        key = f"admin-application-schools:{','.join(self._regions)}"
        values = cache.get(key)
        if values is None:
            values = list(
                Application.objects.filter(program__region__in=self._regions)
                .exclude(school="")
                .order_by("school")
                .values_list("school", flat=True)
                .distinct()
            )
            cache.set(key, values, self.SECONDS)
        self.lookup_choices = values
        return super().choices(changelist)


class StatusFilter(admin.SimpleListFilter):
    """审核状态 without 草稿 for clerks: drafts never reach an office."""

    title = _("审核状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        statuses = Status.choices
        if not request.user.is_superuser:
            statuses = [(v, label) for v, label in statuses if v != Status.DRAFT]
        return statuses

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class RegionFilter(admin.SimpleListFilter):
    title = _("项目类别")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = Region if request.user.is_superuser else regions_of(request)
        return [(r.value, Region(r).label) for r in regions] if len(regions) > 1 else []

    def queryset(self, request, queryset):
        return queryset.in_region(self.value()) if self.value() else queryset


class ApplicationChangeList(ChangeList):
    """The list's page of rows reads only the columns it shows (and the versions its row
    cache is keyed by): no long program texts, no passport number decrypted per row.
    Actions and exports still get the full rows (`queryset` is put back)."""

    row_fields = [
        "name",
        "school",
        "status",
        "admission_result",
        "submitted_at",
        "language_test",
        "language_score",
        "eligibility",
        "requirements_unmet",
        "updated_at",
        "student__username",
        "program__title",
        "program__updated_at",
    ]

    def get_results(self, request):
        full = self.queryset
        self.queryset = full.only(*self.row_fields)
        try:
            super().get_results(request)
        finally:
            self.queryset = full
        # The page's versions, which key its cached rows (admin_list_cache), in one narrow
        # query; the rows themselves are read only when they must be rendered.
        page = self.result_list
        self.row_versions = list(page.values_list("pk", "updated_at", "program__updated_at"))
        self.result_list = PageOfRows(page, len(self.row_versions))


class PageOfRows:
    """A page of the change list whose length is known without reading its rows: the
    action bar counts them on every view, the rows are read only on a cache miss."""

    def __init__(self, queryset, length):
        self.queryset = queryset
        self.length = length

    def __len__(self):
        return self.length

    def __iter__(self):
        return iter(self.queryset)  # read once, then kept by the queryset
