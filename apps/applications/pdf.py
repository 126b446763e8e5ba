"""The printable 申请表: an HTML template rendered by WeasyPrint, cached per version.

WeasyPrint takes about a second to import, so it is imported on the first render, not
at start-up. It reads nothing but the project's own static files (`static_only_fetcher`):
an application's data can never make the renderer fetch a URL or a local file.
The CJK font comes from Debian (fonts-noto-cjk), cut down to common Chinese when
`build_pdf_fonts` has run (pdf_fonts); `portal.W001` warns at start-up when
libharfbuzz-subset0 is missing, which makes every render about 50 times slower.
"""

import atexit
import ctypes
import functools
import gc
import hashlib
import importlib
import logging
import re
import threading
from contextlib import suppress
from pathlib import Path
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.signals import request_finished
from django.db.models import Prefetch, prefetch_related_objects
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import ImageFile

from apps.core.storage import STORAGE_ERRORS

from . import pdf_fonts
from .models import PRINTABLE_STATUSES, ApplicationEvent
from .notifications import student_language

logger = logging.getLogger(__name__)

CACHE_DIR = "pdf-cache"
# Part of every cached form's name: raise it when the template prints something new, so
# that no form of the old layout is served after the upgrade. 2: the 学号.
LAYOUT = 2
STYLESHEET = "pdf/application-form.css"


def printable(queryset):
    """The applications of `queryset` that have a form, with what a cache check reads."""
    return queryset.filter(status__in=PRINTABLE_STATUSES).select_related("program", "student")


def for_cache_check(queryset):
    """The applications of `queryset` that have a form, with no more than finding the
    cached one needs (cache_name, pdf_filename, verify_url): the program's title and
    version joined. Not the student, who is most often the one asking (the view puts the
    signed-in user in) and is read on first use otherwise; a render reads it all again."""
    return (
        queryset.filter(status__in=PRINTABLE_STATUSES)
        .select_related("program")
        .only(
            "status",
            "updated_at",
            "submitted_at",
            "student",
            "program__title",
            "program__updated_at",
        )
    )


def load_form_data(application):
    """What rendering reads beyond the row itself: the files and the score's history."""
    prefetch_related_objects(
        [application],
        "attachments",
        Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
    )


def pdf_filename(application):
    """申请表-<学号>-<program>.pdf, without characters that file systems refuse."""
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", application.program.title).strip()
    return _("申请表-%(student_id)s-%(program)s.pdf") % {
        "student_id": application.student.get_username(),
        "program": title,
    }


def cache_name(application):
    """Where the rendered form is kept in file storage. A new name whenever the application
    or its program is saved (a supplemented score, a review or a staff correction all move
    `updated_at` on), the layout changes or the university is renamed, so a stale form is
    never served."""
    versions = f"{application.updated_at.timestamp()}:{application.program.updated_at.timestamp()}"
    printed = f"{LAYOUT}:{translation.get_language()}:{university_name()}"
    digest = hashlib.sha256(f"{versions}:{printed}".encode()).hexdigest()
    return f"{CACHE_DIR}/{application.pk}/{digest[:32]}.pdf"


def application_pdf(application, verify_url):
    """The form of `application` (printable) as an open file: rendered once per version and
    language, then kept in the default storage (the private media folder, or object
    storage), so that every worker and node serves the same file without rendering it.
    A storage that refuses the write (a full disk) costs a render per download, no error."""
    name = cache_name(application)
    try:
        return default_storage.open(name)
    except STORAGE_ERRORS:  # not rendered yet at this version (or storage unreachable)
        pass
    if application.get_deferred_fields():  # read slim for the cache check: all of it now
        application = printable(type(application).objects).get(pk=application.pk)
    load_form_data(application)
    content = render_pdf(application, verify_url)
    try:
        stored = default_storage.save(name, ContentFile(content))
    except STORAGE_ERRORS as error:
        logger.warning(
            "form %s not cached: %s", application.number, getattr(error, "strerror", None) or error
        )
        return ContentFile(content)
    if stored != name:  # another worker rendered the same version meanwhile
        default_storage.delete(stored)
    _forget_older_versions(application.pk, keep=name)
    return default_storage.open(name)


def _forget_older_versions(pk, keep):
    """The renders of earlier versions of this application are never served again."""
    folder = f"{CACHE_DIR}/{pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except STORAGE_ERRORS:
        return
    for file in files:
        if f"{folder}/{file}" != keep:
            with suppress(*STORAGE_ERRORS):
                default_storage.delete(f"{folder}/{file}")


def _weasyprint(module="weasyprint"):
    """A WeasyPrint module, imported on first use (~1 s): every import of it goes here.

    Importing WeasyPrint (any of its modules) sets Pillow's process-wide
    LOAD_TRUNCATED_IMAGES, which would let truncated images through the upload checks from
    then on; the form embeds no raster image, so the previous (strict) setting is put back.
    """
    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    imported = importlib.import_module(module)
    ImageFile.LOAD_TRUNCATED_IMAGES = strict
    return imported


def _weasyprint_html():
    return _weasyprint().HTML


def render_pdf(application, verify_url):
    HTML = _weasyprint_html()

    html = render_to_string(
        "applications/pdf/application_form.html", _context(application, verify_url)
    )
    stylesheet_dir = Path(finders.find(STYLESHEET)).parent
    fonts, font_config = _font_faces()
    pdf = HTML(
        string=html, base_url=stylesheet_dir.as_uri() + "/", url_fetcher=static_only_fetcher()
    ).write_pdf(stylesheets=fonts, font_config=font_config)
    _garbage.left = True
    return pdf


def _font_faces():
    """The cut-down CJK font (pdf_fonts), loaded once per process: ([CSS], FontConfiguration),
    or ([], None) when it is not built (the stylesheet's next family, full Noto, is used)."""
    return _font_faces_in(str(settings.PDF_FONT_DIR))


@functools.cache
def _font_faces_in(font_dir):
    # WeasyPrint copies the fonts to a temporary folder it removes when the configuration
    # is collected: at exit, while the interpreter can still do it (atexit below).
    css = pdf_fonts.font_face_css()
    if not css:
        return [], None
    CSS = _weasyprint().CSS
    font_config = _weasyprint("weasyprint.text.fonts").FontConfiguration()
    return [CSS(string=css, font_config=font_config, url_fetcher=static_only_fetcher())], (
        font_config
    )


atexit.register(_font_faces_in.cache_clear)


# A render leaves ~100-300 MB of reference cycles (WeasyPrint's boxes and fonts) that
# Python frees only at a later full collection, and glibc keeps freed memory unless told:
# a web worker would grow to several hundred MB. After the response is sent (not while
# the student waits), the first request that rendered collects and hands memory back.
_garbage = threading.local()


@receiver(request_finished, dispatch_uid="pdf-release-render-memory")
def release_render_memory(**kwargs):
    if getattr(_garbage, "left", False):
        _garbage.left = False
        gc.collect()
        _malloc_trim()


@functools.cache
def _libc_malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to hand back explicitly
        return None


def _malloc_trim():
    if trim := _libc_malloc_trim():
        trim(0)


def _verify_path(application):
    query = f"?number={application.number}&code={application.verification_code}"
    return reverse("applications:verify") + query


def verify_url(request, application):
    """The absolute address the QR code leads to (staff only)."""
    return request.build_absolute_uri(_verify_path(application))


def warm_cache(application):
    """Render the form of `application` (printable) into the cache before anyone asks for it,
    in the language the student reads the portal in, so that the student's first download
    is a cached one. Returns False when that version was cached already; raises when the
    render or the storage failed (the task tries again)."""
    with translation.override(student_language(application.student)):
        name = cache_name(application)
        if default_storage.exists(name):
            return False
        # Outside a request, the QR code leads to the portal's public address.
        url = settings.PORTAL_BASE_URL + _verify_path(application)
        application_pdf(application, url).close()
        if not default_storage.exists(name):  # application_pdf served it uncached
            raise OSError(f"the storage did not keep {name}")
    return True


def _context(application, verify_url):
    qr = segno.make(verify_url, error="m")
    return {
        "application": application,
        "program": application.program,
        "sections": _sections_with_student_id(application),
        "attachments": list(application.attachments.all()),
        "university": university_name(),
        "verify_url": verify_url,
        "qr_svg": qr.svg_inline(scale=2, border=0, dark="#000"),
        "printed_at": timezone.localtime(),
        "page_counter": _page_counter_css(),
    }


def university_name():
    """The university's name in the language being rendered: UNIVERSITY_NAME_EN on an
    English form (the Chinese name when that is not set)."""
    if (translation.get_language() or "").startswith("en") and settings.UNIVERSITY_NAME_EN:
        return settings.UNIVERSITY_NAME_EN
    return settings.UNIVERSITY_NAME


def _sections_with_student_id(application):
    """What was submitted, the 学号 first: the college and the office file the paper form
    by it (the details page does not need it: the student is the one reading)."""
    (personal_title, personal), *rest = application.display_sections()
    student_id = (_("学号"), application.student.get_username())
    return [(personal_title, [student_id, *personal]), *rest]


def _page_counter_css():
    """第 N 页 / 共 M 页 as the CSS `content` of a page margin box, in any language."""
    text = _("第 %(page)s 页 / 共 %(pages)s 页")
    parts = re.split(r"%\((pages?)\)s", text)
    # re.split with a group alternates text and counter names: text, name, text, ...
    css = []
    for index, part in enumerate(parts):
        if index % 2:
            css.append(f"counter({part})")
        elif part:
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(css)


def _static_roots():
    """Where the renderer may read: the static folders and the built PDF fonts."""
    return [Path(p).resolve() for p in [*settings.STATICFILES_DIRS, settings.PDF_FONT_DIR]]


@functools.cache
def _fetcher_class():
    """Built on first use, so that importing this module does not import WeasyPrint."""

    class StaticOnlyFetcher(_weasyprint("weasyprint.urls").URLFetcher):
        """Serves file: URLs inside the project's static folders; refuses everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if any(path.is_relative_to(root) for root in _static_roots()) and path.is_file():
                    return super().fetch(path.as_uri(), headers)
            logger.warning("PDF renderer refused to fetch %s", url[:200])
            raise ValueError(f"refused to fetch {url[:200]}")

    return StaticOnlyFetcher


def static_only_fetcher():
    return _fetcher_class()(allowed_protocols=["file"])
