import re
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.applications.models import Application, Status
from apps.applications.student_cache import (
    application_for_program,
    statuses_by_program,
    unread_notices,
)
from apps.core.db_router import may_read_replica, reads_from_replica, replica_reads
from apps.core.templatetags.portal_header import (
    CSRF_MARK,
    display_name,
    fill_shell,
    mark,
    render_shell,
    split_marks,
)
from apps.core.templatetags.portal_lang import lang_span

from . import catalog_cache
from .forms import CatalogFilterForm
from .models import TRACK_WORDS, Program, Region


def _region_or_404(region):
    if region not in _REGIONS:
        raise Http404
    return Region(region)


_REGIONS = frozenset(Region.values)  # Region.values builds its list on every call


@login_required
def home(request):
    # The page as for no one is kept with the catalog (its counts change with it); the
    # student's name and unread notices (from the primary) are filled in per request.
    shell = catalog_cache.cached_fragment("home-shell", [], lambda: _home_page(request))
    own = {
        "name": conditional_escape(lang_span(display_name(request.user))),
        "notices": _notices_html(unread_notices(request.user)),
    }
    return HttpResponse(fill_shell(request, shell, own=own))


def _home_page(request):
    open_counts = _open_counts(request)
    tracks = [
        {"region": region, "words": TRACK_WORDS[region], "open_count": open_counts[region]}
        for region in Region
    ]
    context = {"tracks": tracks, "welcome_name": mark("name"), "notices_html": mark("notices")}
    return render_shell(request, "programs/home.html", context)


def _notices_html(notices):
    """The notices, their forms' CSRF token a mark (a value cut at marks, see fill_shell)."""
    if not notices:
        return _no_notices(translation.get_language())
    context = {"notices": notices, "csrf_token": CSRF_MARK}
    return split_marks(render_to_string("applications/includes/notices.html", context))


@lru_cache(maxsize=64)
def _no_notices(language):
    with translation.override(language):
        return render_to_string("applications/includes/notices.html", {"notices": ()})


def _open_counts(request):
    if may_read_replica(request):
        with replica_reads():
            return Program.objects.open_counts_by_region()
    return Program.objects.open_counts_by_region()


@login_required
@reads_from_replica
def program_list(request, region):
    region = _region_or_404(region)
    # The page is the same for every student apart from the header, the messages, the CSRF
    # token and the 已报名/草稿 marks: rendered once and cached until a program changes or a
    # window opens or closes (see catalog_cache), the rest filled in per request.
    # The whole query string is in the key: the list's links carry it along.
    query = sorted(request.GET.lists())
    shell = catalog_cache.cached_fragment(
        "catalog-shell", [region, query], lambda: _catalog_page(request, region)
    )
    own = _mine_badges(request.user)
    return HttpResponse(fill_shell(request, shell, region=region, own=own))


def _catalog_page(request, region):
    """The catalog page as for no one, with a mark beside each program's title."""
    context = {
        "region": region,
        "words": TRACK_WORDS[region],
        "results": mark_safe(_MINE.sub(_mine_mark, _render_results(request, region))),
    }
    return render_shell(request, "programs/program_list.html", context)


# Left by catalog_results.html beside each program's title; the cached page is the same for
# every student, so what is the student's own goes in per request.
_MINE = re.compile(r"<!--mine:(\d+)-->")


def _mine_mark(match):
    return mark(f"mine:{match[1]}")


def _mine_badges(student):
    """The catalog's `mine:<pk>` marks for `student`: 已报名 / 草稿 beside the programs the
    student has applied to or has a draft for, from the student's cached applications
    (one query when not cached, whatever the page); nothing beside the others."""
    mine = statuses_by_program(student)
    badges = _badges(translation.get_language())

    def badge(name):
        if not name.startswith("mine:"):
            return None  # not the catalog's: left as it is
        _pk, status = mine.get(int(name.removeprefix("mine:")), (None, Status.WITHDRAWN))
        if status == Status.WITHDRAWN:
            return ""
        return badges.get(status, badges["applied"])

    return badge


@lru_cache(maxsize=64)
def _badges(language):
    with translation.override(language):
        return {
            Status.DRAFT: format_html(
                ' <span class="badge rounded-pill mine-badge mine-draft">{}</span>', _("草稿")
            ),
            "applied": format_html(
                ' <span class="badge rounded-pill mine-badge mine-applied">{}</span>', _("已报名")
            ),
        }


def _render_results(request, region):
    """The cached part of the catalog; its search form is made only when it is rendered."""
    form = CatalogFilterForm(request.GET or None)
    now = timezone.now()
    programs = Program.objects.published().in_region(region)
    if form.is_valid():
        programs = programs.search(form.cleaned_data["q"])
        if form.cleaned_data["state"]:
            programs = programs.in_state(form.cleaned_data["state"], now)
    page = Paginator(programs.catalog_order(now), settings.PROGRAMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"region": region, "form": form, "page": page}
    return render_to_string("programs/includes/catalog_results.html", context, request)


@login_required
@reads_from_replica
def program_detail(request, region, pk):
    region = _region_or_404(region)
    # The row and the page as for no one come from the catalog cache in one read (any
    # program saved makes a new version; the page lives no longer than the next window
    # edge); the student's own part (the application's status, 报名) is filled in.
    shown_in, can_apply, parts = catalog_cache.cached_fragment(
        "program-shell", [pk], lambda: _program_page(request, pk)
    )
    if shown_in != region:
        raise Http404
    mine = application_for_program(request.user, pk)
    action, note = _mine_slots(
        translation.get_language(), pk, can_apply, mine and mine.pk, mine and mine.status
    )
    own = {"mine-action": action, "mine-note": note}
    return HttpResponse(fill_shell(request, parts, region=region, own=own))


def _program_page(request, pk):
    """(the track it is shown in: None while unpublished, whether it is open, its page as
    for no one cut where the student's own part goes): plain values, which the cache
    hands out without unpickling them on each read (apps.core.cache.immutable)."""
    program = Program.objects.filter(pk=pk).first()
    if program is None or not program.is_published:
        return None, False, ()
    info = render_to_string("programs/includes/program_info.html", {"program": program})
    can_apply = program.is_open()
    context = {
        "program": program,
        "region": program.region,
        "words": program.words,
        "can_apply": can_apply,
        "info": mark_safe(info),
        "mine_action": mark("mine-action"),
        "mine_note": mark("mine-note"),
    }
    page = render_shell(request, "programs/program_detail.html", context)
    return str(program.region), can_apply, page


@lru_cache(maxsize=4096)
def _mine_slots(language, program_pk, can_apply, application_pk, status):
    """A program page's own part for a student with this application (pk and status, or
    None) to it: the same for everyone alike, so rendered once per process, the CSRF
    token a mark."""
    application = None if application_pk is None else Application(pk=application_pk, status=status)
    context = {
        "program": Program(pk=program_pk),
        "can_apply": can_apply,
        "application": application,
        "csrf_token": CSRF_MARK,
    }
    with translation.override(language):
        return tuple(
            split_marks(render_to_string(f"programs/includes/{name}.html", context))
            for name in ("program_action", "program_withdrawn")
        )
