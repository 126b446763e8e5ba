"""The page header, rendered once per kind of visitor and then reused; and the parts of
base.html that are the same on every page (the stylesheets, the footer, the scripts),
rendered once per language.

Every page shows the same header, varying only by language, whether someone is signed
in (and is staff), the name shown, and which navigation item is active: a handful of
variants. Rendering it through the template engine costs ~0.4 ms of every page (nine
URL reversals, translations, two forms), so each variant is rendered once per process
with placeholders for the two per-request values, the CSRF token and the current path,
which are filled in on every request (escaped). Translations and URLs only change with a
deploy, which restarts the process.

A page that is the same for every visitor apart from the header, the messages and the
CSRF token (the catalog, a program's page, the home page) can go further: `render_shell`
renders the whole page once with marks where those go, for the view to cache, and
`fill_shell` fills them in on each request.
"""

import os
from functools import lru_cache

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

CSRF_MARK = "\x00csrf\x00"
NEXT_MARK = "\x00next\x00"
HEADER_MARK = "\x00header\x00"
MESSAGES_MARK = "\x00messages\x00"


def active_item(request, region):
    """Which navigation item the page belongs to ("" for none)."""
    if region in ("international", "hmt"):
        return region
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.app_name == "applications":
        return "applications"
    if match.app_name == "programs" and match.url_name == "home":
        return "home"
    return ""


def display_name(user):
    try:
        name = user.profile.name
    except (AttributeError, ObjectDoesNotExist):
        name = ""
    return name or user.get_username()


@lru_cache(maxsize=2048)
def _skeleton(language, signed_in, staff, name, active):
    with translation.override(language):
        return render_to_string(
            "includes/header.html",
            {
                "signed_in": signed_in,
                "staff": staff,
                "name": name,
                "active": active,
                "csrf_value": CSRF_MARK,
                "next_path": NEXT_MARK,
                "LANGUAGE_CODE": language,
            },
        )


def _header_skeleton(request, user, region):
    signed_in = bool(user and user.is_authenticated)
    return _skeleton(
        translation.get_language(),
        signed_in,
        signed_in and user.is_staff,
        display_name(user) if signed_in else "",
        active_item(request, region),
    )


@register.simple_tag(takes_context=True)
def portal_header(context):
    if context.get("portal_shell"):
        return HEADER_MARK
    request = context["request"]
    html = _header_skeleton(request, context.get("user"), context.get("region"))
    token = str(context.get("csrf_token", ""))
    return mark_safe(
        html.replace(CSRF_MARK, escape(token)).replace(NEXT_MARK, escape(request.get_full_path()))
    )


@lru_cache(maxsize=64)
def _no_messages(language):
    with translation.override(language):
        return render_to_string("includes/messages.html", {"messages": ()})


def messages_html(messages):
    """includes/messages.html for `messages` (the storage, read here, which marks them
    shown); the same text for no messages, rendered once per language."""
    if not messages:
        return _no_messages(translation.get_language())
    return render_to_string("includes/messages.html", {"messages": messages})


@register.simple_tag(takes_context=True)
def portal_messages(context):
    if context.get("portal_shell"):
        return MESSAGES_MARK
    return mark_safe(messages_html(context.get("messages")))


def render_shell(request, template_name, context):
    """`template_name` rendered as for no one in particular: the header, the messages and
    every CSRF token are marks, for `fill_shell` to fill in per request. Whatever else
    the page shows must be the same for every visitor (or a mark of the view's own)."""
    context = {**context, "portal_shell": True, "csrf_token": CSRF_MARK}
    return render_to_string(template_name, context, request)


def fill_shell(request, html, *, region=None):
    """The page `render_shell` made, for this request: its header, messages, CSRF token."""
    from django.contrib.messages import get_messages

    header = _header_skeleton(request, request.user, region)
    html = html.replace(HEADER_MARK, header, 1).replace(
        MESSAGES_MARK, messages_html(get_messages(request)), 1
    )
    return html.replace(CSRF_MARK, csrf_token(request)).replace(
        NEXT_MARK, escape(request.get_full_path())
    )


def csrf_token(request):
    """Django's `get_token`, its mask drawn from one `os.urandom` call instead of 32 calls
    of `secrets.choice` (~0.03 ms, a tenth of a cached page's own work): the same
    token, masked afresh on every response as Django masks it (against BREACH), the
    same cookie renewal. Without a cookie yet, Django's own makes one."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_indexes(CSRF_SECRET_LENGTH)
    return "".join(_CHARS[i] for i in mask) + "".join(
        _CHARS[(_INDEX[c] + i) % len(_CHARS)] for c, i in zip(secret, mask, strict=True)
    )


_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_CHARS)}
_UNBIASED = 256 - 256 % len(_CHARS)  # bytes below it fall evenly on the 62 characters


def _random_indexes(n):
    """n indexes into _CHARS, uniform: random bytes, those at or over _UNBIASED dropped."""
    indexes = []
    while len(indexes) < n:
        indexes += [b % len(_CHARS) for b in os.urandom(n + 8) if b < _UNBIASED]
    return indexes[:n]


@lru_cache(maxsize=64)
def _fixed(name, language):
    with translation.override(language):
        # Without the file's last newline: base.html has its own around the tag.
        return mark_safe(render_to_string(f"includes/{name}.html").rstrip("\n"))


@register.simple_tag
def portal_fixed(name):
    """includes/<name>.html as rendered in this language: static URLs and translations
    only, which change with a deploy (~0.15 ms of every page through the engine)."""
    return _fixed(name, translation.get_language())
