"""The catalog's pages as for no one (issue 24: the programs' floor): each rendered once,
cut at the marks where a student's own part goes, for the program pages
(apps/applications/program_pages.py) to cache with the catalog and fill in per request."""

import re

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from apps.core.db_router import may_read_replica, replica_reads
from apps.core.templatetags.portal_header import mark, render_shell

from .forms import CatalogFilterForm
from .models import TRACK_WORDS, Program, Region
from .requirements import rules_by_program


def region_or_404(region):
    if region not in _REGIONS:
        raise Http404
    return Region(region)


_REGIONS = frozenset(Region.values)  # Region.values builds its list on every call


def home_page(request):
    """首页 as for no one: the tracks with their open programs, marks for the student's
    name and notices."""
    open_counts = _open_counts(request)
    tracks = [
        {"region": region, "words": TRACK_WORDS[region], "open_count": open_counts[region]}
        for region in Region
    ]
    context = {"tracks": tracks, "welcome_name": mark("name"), "notices_html": mark("notices")}
    return render_shell(request, "programs/home.html", context)


def _open_counts(request):
    if may_read_replica(request):
        with replica_reads():
            return Program.objects.open_counts_by_region()
    return Program.objects.open_counts_by_region()


def catalog_page(request, region, excluded=()):
    """The catalog page as for no one, with a mark (`mine:<pk>`) beside each program's title;
    without the programs `excluded` (只看我符合条件的项目: those whose requirements the
    student does not meet, the same page for every student with the same outcome)."""
    context = {
        "region": region,
        "words": TRACK_WORDS[region],
        "results": mark_safe(_MINE.sub(_mine_mark, _render_results(request, region, excluded))),
    }
    return render_shell(request, "programs/program_list.html", context)


# Left by catalog_results.html beside each program's title; the cached page is the same for
# every student, so what is the student's own goes in per request.
_MINE = re.compile(r"<!--mine:(\d+)-->")


def _mine_mark(match):
    return mark(f"mine:{match[1]}")


def _render_results(request, region, excluded=()):
    """The cached part of the catalog; its search form is made only when it is rendered."""
    form = CatalogFilterForm(request.GET or None)
    now = timezone.now()
    programs = Program.objects.published().in_region(region)
    if excluded:
        programs = programs.exclude(pk__in=excluded)
    if form.is_valid():
        programs = programs.search(form.cleaned_data["q"])
        if form.cleaned_data["state"]:
            programs = programs.in_state(form.cleaned_data["state"], now)
    page = Paginator(programs.catalog_order(now), settings.PROGRAMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "region": region,
        "form": form,
        "page": page,
        "filtered": bool(form.is_valid() and any(form.cleaned_data.values())),
    }
    return render_to_string("programs/includes/catalog_results.html", context, request)


def program_page(request, pk):
    """(the track it is shown in: None while unpublished, whether it is open, its page as
    for no one cut where the student's own part goes, its requirements as rules): plain
    values, which the cache hands out without unpickling them on each read
    (apps.core.cache.immutable)."""
    program = Program.objects.filter(pk=pk).first()
    if program is None or not program.is_published:
        return None, False, (), ()
    info = render_to_string("programs/includes/program_info.html", {"program": program})
    rules = rules_by_program([program]).get(program.pk, ())
    can_apply = program.is_open()
    context = {
        "program": program,
        "region": program.region,
        "words": program.words,
        "can_apply": can_apply,
        "info": mark_safe(info),
        "mine_action": mark("mine-action"),
        "mine_note": mark("mine-note"),
        "mine_requirements": mark("mine-requirements") if rules else "",
    }
    page = render_shell(request, "programs/program_detail.html", context)
    return str(program.region), can_apply, page, rules
