"""Which release of the templates and translations this process renders with.

Rendered pages and fragments are kept in the shared cache under keys that name what they
show (a version, the language); a deploy that changes only a template or a translation
changes none of those, so the old pages would be served until they expire. Keys that
hold rendered HTML name this release too: `PORTAL_RELEASE` when the deployment sets it
(e.g. the commit), else a digest of the templates, compiled catalogs and the apps' Python
code on disk, read once per process (a few hundred files, a few milliseconds at start):
the code decides the shape of what is kept (a page cut at its marks, say), so a deploy
that changes only the code must not read what the old code kept.
"""

import functools
import hashlib
import os
from pathlib import Path

from django.conf import settings


@functools.cache
def release():
    if named := os.environ.get("PORTAL_RELEASE"):
        return named[:16]
    digest = hashlib.sha256()
    roots = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    roots += [Path(p) for p in settings.LOCALE_PATHS]
    roots += code_roots()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".txt", ".mo", ".py"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def code_roots():
    return [Path(settings.BASE_DIR) / "apps"]
