"""The portal's own settings, served by the fault tests' server process with DEBUG off.

Only one thing differs: static files are served from the source folders through the plain
storage, so that the test needs no `collectstatic` run (production uses the manifest).
"""

from exchange_portal.settings import *  # noqa: F403
from exchange_portal.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
