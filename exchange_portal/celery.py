"""The Celery app: emails, draft reminders and PDF warming run as its tasks.

Configured from Django's settings (every `CELERY_*` setting, see settings.py "Background
tasks"). With no broker configured the tasks run eagerly, in the process that enqueued
them, after its transaction commits: the same code path, no extra process to run.

    celery -A exchange_portal worker     # executes the tasks
    celery -A exchange_portal beat       # enqueues the periodic ones (one per installation)
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange_portal.settings")

app = Celery("exchange_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks.py` in every installed app.
app.autodiscover_tasks()
