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
    render_shell,
)
from apps.core.templatetags.portal_lang import lang_span

from . import catalog_cache
from .forms import CatalogFilterForm
from .models import TRACK_WORDS, Program, Region


def _region_or_404(region):
    if region not in Region.values:
        raise Http404
    return Region(region)


@login_required
def home(request):
    # The page as for no one is kept with the catalog (its counts change with it); the
    # student's name and unread notices (from the primary) are filled in per request.
    before, middle, after = catalog_cache.cached_fragment(
        "home-shell", [], lambda: _home_page(request)
    )
    name = conditional_escape(lang_span(display_name(request.user)))
    notices = unread_notices(request.user)
    html = before + name + middle + _notices_html(notices) + after
    return HttpResponse(fill_shell(request, html))


_NAME_MARK = "\x00name\x00"
_NOTICES_MARK = "\x00notices\x00"


def _home_page(request):
    open_counts = _open_counts(request)
    tracks = [
        {"region": region, "words": TRACK_WORDS[region], "open_count": open_counts[region]}
        for region in Region
    ]
    context = {"tracks": tracks, "welcome_name": _NAME_MARK, "notices_html": _NOTICES_MARK}
    html = render_shell(request, "programs/home.html", context)
    before, rest = html.split(_NAME_MARK)
    return (before, *rest.split(_NOTICES_MARK))


def _notices_html(notices):
    if not notices:
        return _no_notices(translation.get_language())
    context = {"notices": notices, "csrf_token": CSRF_MARK}
    return render_to_string("applications/includes/notices.html", context)


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
    parts = catalog_cache.cached_fragment(
        "list-page", [region, query], lambda: _catalog_page(request, region)
    )
    return HttpResponse(fill_shell(request, _mark_mine(parts, request.user), region=region))


def _catalog_page(request, region):
    """The catalog page as for no one, cut at each program's mine mark: text, pk, text…"""
    context = {
        "region": region,
        "words": TRACK_WORDS[region],
        "results": mark_safe(_render_results(request, region)),
    }
    parts = _MINE_MARK.split(render_shell(request, "programs/program_list.html", context))
    parts[1::2] = [int(pk) for pk in parts[1::2]]
    return parts


# Left by catalog_results.html beside each program's title; the cached page is the same for
# every student, so what is the student's own goes in per request.
_MINE_MARK = re.compile(r"<!--mine:(\d+)-->")


def _mark_mine(parts, student):
    """The page with 已报名 / 草稿 beside the programs `student` has applied to or has a draft
    for, from the student's cached applications (one query when not cached, whatever the
    page). `parts` alternate the page's text and the pk at each mark."""
    mine = statuses_by_program(student)
    if not mine:
        return "".join(parts[::2])
    badges = {
        Status.DRAFT: format_html(
            ' <span class="badge rounded-pill mine-badge mine-draft">{}</span>', _("草稿")
        ),
        "applied": format_html(
            ' <span class="badge rounded-pill mine-badge mine-applied">{}</span>', _("已报名")
        ),
    }

    def badge(pk):
        _pk, status = mine.get(pk, (None, Status.WITHDRAWN))
        if status == Status.WITHDRAWN:
            return ""
        return badges.get(status, badges["applied"])

    return "".join(part if i % 2 == 0 else badge(part) for i, part in enumerate(parts))


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
    program, parts = catalog_cache.cached_fragment(
        "program-shell", [pk], lambda: _program_page(request, pk)
    )
    if program is None or not program.is_published or program.region != region:
        raise Http404
    mine = application_for_program(request.user, program.pk)
    action, note = _mine_slots(
        translation.get_language(),
        program.pk,
        program.is_open(),
        mine and mine.pk,
        mine and mine.status,
    )
    html = parts[0] + action + parts[1] + note + parts[2]
    return HttpResponse(fill_shell(request, html, region=region))


_ACTION_MARK = "\x00mine-action\x00"
_NOTE_MARK = "\x00mine-note\x00"


def _program_page(request, pk):
    """The program and its page as for no one, cut where the student's own part goes."""
    program = Program.objects.filter(pk=pk).first()
    if program is None:
        return None, None
    info = render_to_string("programs/includes/program_info.html", {"program": program})
    context = {
        "program": program,
        "region": program.region,
        "words": program.words,
        "can_apply": program.is_open(),
        "info": mark_safe(info),
        "mine_action": _ACTION_MARK,
        "mine_note": _NOTE_MARK,
    }
    html = render_shell(request, "programs/program_detail.html", context)
    before, rest = html.split(_ACTION_MARK)
    middle, after = rest.split(_NOTE_MARK)
    return program, (before, middle, after)


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
            mark_safe(render_to_string(f"programs/includes/{name}.html", context))
            for name in ("program_action", "program_withdrawn")
        )
