# The Celery app is loaded with Django, so that `shared_task`s bind to it and
# `transaction.on_commit(task.delay)` publishes with the portal's configuration.
from .celery import app as celery_app

__all__ = ("celery_app",)
