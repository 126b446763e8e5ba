"""The programs' pages as a student sees them (首页, the catalog, a program's page): the
catalog's pages as for no one (apps/programs/catalog.py), cached with the catalog, and
what is the student's own filled in per request: the name and notices, 已报名/草稿 beside
the titles, the application to this program and 报名. They live here, on the applications'
floor, because that part is the applications' knowledge (ARCHITECTURE.md)."""

import hashlib
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _

from apps.core.db_router import reads_from_replica
from apps.core.templatetags.portal_header import (
    CSRF_MARK,
    display_name,
    fill_shell,
    split_marks,
)
from apps.core.templatetags.portal_lang import lang_span
from apps.programs import catalog, catalog_cache
from apps.programs.models import Program
from apps.programs.requirements import Facts, Verdict, excluded_programs, outcomes

from .models import Application, Status
from .student_cache import (
    application_for_program,
    statuses_by_program,
    student_facts,
    unread_notices,
)


@login_required
def home(request):
    # The page as for no one is kept with the catalog (its counts change with it); the
    # student's name and unread notices (from the primary) are filled in per request.
    shell = catalog_cache.cached_fragment("home-shell", [], lambda: catalog.home_page(request))
    own = {
        "name": conditional_escape(lang_span(display_name(request.user))),
        "notices": _notices_html(unread_notices(request.user)),
    }
    return HttpResponse(fill_shell(request, shell, own=own))


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


@login_required
@reads_from_replica
def program_list(request, region):
    region = catalog.region_or_404(region)
    # The page is the same for every student apart from the header, the messages, the CSRF
    # token and the 已报名/草稿 marks: rendered once and cached until a program changes or a
    # window opens or closes (see catalog_cache), the rest filled in per request.
    # The whole query string is in the key: the list's links carry it along.
    query = sorted(request.GET.lists())
    # 只看我符合条件的项目: the programs whose requirements the student does not meet are
    # left out; the page is kept per outcome, so students alike share it.
    excluded, digest = _excluded(request, region) if request.GET.get("eligible") else ((), "")
    parts = [region, query, digest] if excluded else [region, query]
    shell = catalog_cache.cached_fragment(
        "catalog-shell", parts, lambda: catalog.catalog_page(request, region, excluded)
    )
    own = _mine_badges(request.user)
    return HttpResponse(fill_shell(request, shell, region=region, own=own))


def _excluded(request, region):
    """(The track's programs with a requirement the student does not meet (their ids), a
    digest of them for the page's key): the track's rules come with the catalog's cache,
    the student's facts with the signed-in user and the student's cached applications."""
    return _judged(catalog_cache.version(), region, student_facts(request.user))


@lru_cache(maxsize=1024)
def _judged(version, region, facts):
    # Keyed by the catalog's version: a requirement saved makes a new one.
    excluded = excluded_programs(catalog_cache.region_rules(region), facts)
    return excluded, hashlib.sha256(",".join(map(str, excluded)).encode()).hexdigest()[:24]


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


@login_required
@reads_from_replica
def program_detail(request, region, pk):
    region = catalog.region_or_404(region)
    # The row and the page as for no one come from the catalog cache in one read (any
    # program saved makes a new version; the page lives no longer than the next window
    # edge); the student's own part (the application's status, 报名) is filled in.
    shown_in, can_apply, parts, rules = catalog_cache.cached_fragment(
        "program-shell", [pk], lambda: catalog.program_page(request, pk)
    )
    if shown_in != region:
        raise Http404
    language = translation.get_language()
    mine = application_for_program(request.user, pk)
    action, note = _mine_slots(language, pk, can_apply, mine and mine.pk, mine and mine.status)
    own = {"mine-action": action, "mine-note": note}
    if rules:
        student = not request.user.is_staff
        facts = student_facts(request.user) if student else Facts()
        own["mine-requirements"] = _requirements_slot(language, rules, facts, student)
    return HttpResponse(fill_shell(request, parts, region=region, own=own))


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


@lru_cache(maxsize=4096)
def _requirements_slot(language, rules, facts, signed_in_student):
    """A program page's 申请条件, each with the student's 满足 / 不满足 / 暂无法判断: the
    same for every student with the same facts, so rendered once per process."""
    with translation.override(language):
        items = [
            {**outcome._asdict(), "label": Verdict(outcome.verdict).label}
            for outcome in outcomes(rules, facts)
        ]
        context = {"outcomes": items, "signed_in_student": signed_in_student}
        return render_to_string("programs/includes/program_requirements.html", context)
