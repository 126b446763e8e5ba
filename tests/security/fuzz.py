"""Generated bad input for every form, and the checks every answer to it must pass.

A hostile or broken client can send anything: wrong types, huge strings, control
characters (NUL, which PostgreSQL refuses in text), bytes that are not UTF-8 (a lone
surrogate as some encoders write it), combining marks, right-to-left text, emoji,
full-width digits, a field missing or sent twice. `form_body` draws such a body; the
tests post it with the Django test client and `check_answer` asserts what must hold
whatever was sent: no server error, a message in the interface's language.
"""

import re
from contextlib import contextmanager
from urllib.parse import quote_from_bytes

from django.conf import settings
from django.contrib.admin.helpers import AdminForm, InlineAdminFormSet
from django.db import transaction
from django.forms import BaseForm
from django.utils import translation
from hypothesis import strategies as st

MISSING = object()

# Strings chosen by hand: each has broken some web form somewhere.
EDGE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m",
    "\x7f",
    "\x85",  # NEXT LINE
    "\r\n",
    "\t",
    "\u200b",  # ZERO WIDTH SPACE
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2028",  # LINE SEPARATOR
    "\ufeff",  # BYTE ORDER MARK
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "\ud800",  # a lone surrogate: sent as the bytes ED A0 80, not valid UTF-8
    "\udfff",
    "e\u0301\u0301\u0301",  # combining marks
    "\u0301",
    "שלום",
    "مرحبا",
    "😀",
    "👩‍👩‍👧‍👦",
    "１２３",  # full-width digits
    "２０２６-０１-０１",
    "٣",  # Arabic-Indic digit three
    "²",
    "Ⅻ",
    "-1",
    "0",
    "-0",
    "1e308",
    "1e-308",
    "NaN",
    "Infinity",
    "-inf",
    "9" * 40,
    "0x10",
    "7.55",
    "6,5",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "2026/07/01",
    "True",
    "None",
    "null",
    "[]",
    "{}",
    "'; DROP TABLE applications_application; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}",
    "%(name)s %s {0}",
    "../../etc/passwd",
    "\\\\server\\share",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1",
    "*)(uid=*",
    "张晓明",
    "Zhang Xiaoming",
    "zxm@example.edu",
    "13800000000",
]

# Any code point, surrogates included (they reach the server as invalid UTF-8).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())

text = st.one_of(
    st.sampled_from(EDGE_STRINGS),
    st.text(ANY_CHARACTER, max_size=30),
    st.lists(st.sampled_from(EDGE_STRINGS), min_size=2, max_size=4).map("".join),
    # Far beyond every max_length: 1,000 to 20,000 characters (a bigger body is refused whole).
    st.tuples(st.sampled_from(["x", "成", "😀", "\x00", "9"]), st.integers(1_000, 20_000)).map(
        lambda pair: pair[0] * pair[1]
    ),
)

# Numbers and dates written in every way a person or a script might.
number = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    text,
)
day = st.one_of(st.dates().map(str), st.datetimes().map(str), text)


def choice(*values):
    """A value of a choice field: a valid one, or anything else."""
    return st.one_of(st.sampled_from(values), text)


def field(values):
    """A form field as a client may send it: missing, once, or several times."""
    return st.one_of(
        st.just(MISSING),
        values.map(lambda v: [v]),
        st.lists(values, min_size=2, max_size=3),
    )


@st.composite
def form_body(draw, fields, extra=True):
    """A list of (name, value) pairs for `fields` {name: strategy of values}, plus maybe
    fields nobody asked for."""
    pairs = []
    for name, values in fields.items():
        sent = draw(field(values))
        if sent is not MISSING:
            pairs += [(name, value) for value in sent]
    if extra:
        pairs += draw(st.lists(st.tuples(text, text), max_size=2))
    return draw(st.permutations(pairs))


def _bytes(value):
    return str(value).encode("utf-8", "surrogatepass")


def url_part(value):
    """`value` as one segment of a URL path, percent-encoded byte by byte."""
    return quote_from_bytes(_bytes(value), safe="")


def urlencoded(pairs):
    """The body a browser would send, surrogates and all (the test client would refuse
    to encode them)."""
    return "&".join(
        f"{quote_from_bytes(_bytes(k), safe='')}={quote_from_bytes(_bytes(v), safe='')}"
        for k, v in pairs
    )


def post(client, url, pairs, **extra):
    """POST `pairs` as a form. A body over Django's DATA_UPLOAD_MAX_MEMORY_SIZE must be
    refused with 400 before any view runs: then None is returned."""
    body = urlencoded(pairs)
    response = client.post(url, body, content_type="application/x-www-form-urlencoded", **extra)
    if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        assert response.status_code == 400
        return None
    return response


def strings_of(pairs):
    """The text a client sent, as the server decoded it: what an echo may contain."""
    values = []
    for pair in pairs:
        for value in pair:
            decoded = _bytes(value).decode("utf-8", "replace")
            values += [decoded, decoded.strip()]
    return sorted({v for v in values if v}, key=len, reverse=True)


BOUNDARY = "----portal-fuzz-boundary"


def _quoted(value):
    return _bytes(value).replace(b"\\", b"\\\\").replace(b'"', b'\\"')


def multipart(pairs, files):
    """A multipart body written byte by byte: `pairs` of fields, `files` of (field, file
    name, content). The test client would refuse names it cannot encode."""
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (BOUNDARY.encode(), _quoted(name), _bytes(value))
        for name, value in pairs
    ]
    parts += [
        b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n%s\r\n"
        % (BOUNDARY.encode(), _quoted(name), _quoted(filename), content)
        for name, filename, content in files
    ]
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


def post_files(client, url, pairs, files):
    """POST a multipart form; a body Django refuses to parse (a header over its limit)
    must get 400 before any view runs: then None is returned."""
    response = client.post(
        url, multipart(pairs, files), content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    if response.status_code == 400:
        return None
    return response


# --- What every answer must satisfy -------------------------------------------------

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01\uff08\uff09\uff0c\uff1a\uff1b]")


def _forms_in(context):
    """Every bound form the page shows (admin wraps its form in an AdminForm)."""
    found = []
    if not context:
        return found
    for layer in context:  # a ContextList: one Context per template rendered
        values = layer.flatten().values() if hasattr(layer, "flatten") else layer.values()
        for value in values:
            if isinstance(value, AdminForm):
                value = value.form
            # An admin page's inlines (a program's 申请条件): each row's form.
            inlines = value if isinstance(value, list) else []
            for inline in inlines:
                if isinstance(inline, InlineAdminFormSet) and inline.formset.is_bound:
                    found += [f for f in inline.formset.forms if f.errors and f not in found]
            if isinstance(value, BaseForm) and value.is_bound and value not in found:
                found.append(value)
    return found


def messages_of(response, language):
    """What the person is told: the messages added while answering, and form errors, in
    the language of the page (lazy messages are rendered in it)."""
    with translation.override(language):
        return _messages_of(response)


def _messages_of(response):
    told = []
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is not None:
        told += [str(m) for m in storage._queued_messages]
    for form in _forms_in(response.context):
        for errors in form.errors.values():
            told += [str(e) for e in errors]
    return told


def check_answer(response, language, pairs, *, statuses=(200, 302), need_message=True):
    """No server error; an answer a person can read, in their language."""
    assert response.status_code < 500
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    told = messages_of(response, language)
    if need_message:
        assert told, f"nothing said to the user (status {response.status_code})"
    echoed = strings_of(pairs)
    for message in told:
        assert "Traceback" not in message and "['" not in message, message
        rest = message
        for value in echoed:
            rest = rest.replace(value, "")
        if language == "en":
            assert not CHINESE.search(rest), f"Chinese in an English message: {message!r}"
        else:
            assert CHINESE.search(message), f"not Chinese: {message!r}"
    return told


def has_error(response):
    """True when the answer refuses something: a form error or an error/warning message."""
    storage = getattr(response.wsgi_request, "_messages", None)
    levels = [m.level_tag for m in storage._queued_messages] if storage is not None else []
    return any(form.errors for form in _forms_in(response.context)) or bool(
        {"error", "warning"} & set(levels)
    )


languages = st.sampled_from(["zh-hans", "en"])


def speak(client, language):
    """Start an example clean: the chosen language, no leftover messages."""
    client.cookies.pop("messages", None)
    client.cookies["django_language"] = language


@contextmanager
def rolled_back():
    """Each example starts from the same rows: whatever it wrote is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def rows(*models, exclude=("updated_at",)):
    """Every row of `models`, for comparing before and after a refused post."""
    return {
        model._meta.label: sorted(
            (
                tuple(
                    (f.attname, getattr(obj, f.attname))
                    for f in model._meta.concrete_fields
                    if f.attname not in exclude
                )
                for obj in model.objects.all()
            ),
            key=repr,
        )
        for model in models
    }


def post_form(client, url, body, language, models, then=None):
    """POST a form page in one rolled-back example. A form shown again must say what is
    wrong and have written none of `models`' rows; `then(response)` checks the rest."""
    with rolled_back():
        speak(client, language)
        before = rows(*models)
        response = post(client, url, body)
        if response is None:
            return
        check_answer(response, language, body)
        if response.status_code == 200:
            assert has_error(response)
            assert rows(*models) == before
        if then is not None:
            then(response)


# The personal details on the profile, the application and their admin pages.
def personal_fields():
    from apps.accounts.models import DegreeLevel, Gender

    return {
        "name": text,
        "name_en": text,
        "gender": choice(*Gender.values),
        "degree_level": choice(*DegreeLevel.values),
        "school": text,
        "major": text,
        "enrollment_year": number,
        "phone": text,
        "email": text,
    }
