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
`fill_shell` fills them in on each request. The page is kept cut at its marks (text,
mark, text, …): filling it in is one join, where a `str.replace` per mark copied the whole
page each time (~0.02 ms of a 20 KB catalog page, bench/RESULTS.md). Its text is kept
encoded (UTF-8 bytes), as the response sends it: a page of Chinese text is held by Python
two bytes a character, and encoding it again on every response cost ~0.01 ms of a
catalog page.
"""

import os
import re
from functools import lru_cache

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def mark(name):
    """A place in a page rendered for no one, filled in per request (`fill_shell`)."""
    return f"\x00{name}\x00"


CSRF_MARK = mark("csrf")
NEXT_MARK = mark("next")
HEADER_MARK = mark("header")
MESSAGES_MARK = mark("messages")
_MARKS = re.compile("\x00([a-z][a-z0-9:-]*)\x00")


def split_marks(html):
    """`html` cut at its marks: (text, mark name, text, …, text), each text as UTF-8."""
    parts = _MARKS.split(html)
    parts[::2] = [text.encode() for text in parts[::2]]
    return tuple(parts)


def join_marks(parts, values, own=None):
    """`parts` (`split_marks`) with each mark replaced by its value in `values`, else
    `own(name)`, as UTF-8. A value that is itself cut at marks (a tuple) is filled in the
    same way; a mark with no value stays as it was."""
    out = list(parts)
    for i in range(1, len(out), 2):
        name = out[i]
        value = values.get(name)
        if value is None and own is not None:
            value = own(name)
        if value is None:
            value = mark(name).encode()
        elif isinstance(value, tuple):
            value = join_marks(value, values, own)
        elif isinstance(value, str):
            value = value.encode()
        out[i] = value
    return b"".join(out)


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
        html = render_to_string(
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
    return split_marks(html)


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
    parts = _header_skeleton(request, context.get("user"), context.get("region"))
    values = {
        "csrf": escape(str(context.get("csrf_token", ""))),
        "next": escape(request.get_full_path()),
    }
    return mark_safe(join_marks(parts, values).decode())


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
    """`template_name` rendered as for no one in particular, cut at its marks
    (`split_marks`): the header, the messages and every CSRF token, for `fill_shell` to
    fill in per request, and any marks (`mark`) of the view's own. Whatever else the page
    shows must be the same for every visitor."""
    context = {**context, "portal_shell": True, "csrf_token": CSRF_MARK}
    return split_marks(render_to_string(template_name, context, request))


def fill_shell(request, parts, *, region=None, own=None):
    """The page `render_shell` cut, for this request, as the response's bytes: its
    header, messages and CSRF token, and the view's own marks from `own` (a dict, or a
    function of the mark's name; a value may itself be cut at marks, e.g. a fragment
    with a CSRF token)."""
    from django.contrib.messages import get_messages

    values = {
        "header": _header_skeleton(request, request.user, region),
        "messages": messages_html(get_messages(request)),
        "csrf": csrf_token(request),
        "next": escape(request.get_full_path()),
    }
    if isinstance(own, dict):
        values.update(own)
        own = None
    return join_marks(parts, values, own)


def csrf_token(request):
    """Django's `get_token`, its mask drawn from one `os.urandom` call instead of 32 calls
    of `secrets.choice` (~0.03 ms, a tenth of a cached page's own work): the same
    token, masked afresh on every response as Django masks it (against BREACH). Without
    a cookie yet, Django's own makes one; with one, it is not sent again (Django renews
    its year on every page that shows a form: a `Set-Cookie` on each cached page, ~0.015
    ms; it is renewed by those forms and replaced at every sign-in)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
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
