"""Enqueueing tasks (exchange_portal/celery.py) from the code that changes data.

A task is given ids only and published when the transaction that made the change has
committed, so that the worker reads what the request wrote, and a rolled-back change
sends nothing. Publishing never fails the request: a broker that is down is logged.
"""

import logging
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)


class TryAgain(Exception):
    """A failure worth retrying (a mail server or the storage did not answer): the task
    raises it, without personal data in its text, and Celery retries with backoff."""


# The options of every retried task: a bounded number of tries, exponential backoff.
# A database that is restarting is tried again too (the worker reconnects).
RETRIED = {
    "autoretry_for": (TryAgain, InterfaceError, OperationalError),
    "max_retries": settings.TASK_MAX_RETRIES,
    "retry_backoff": settings.TASK_RETRY_BACKOFF,
    "retry_backoff_max": settings.TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
}


def last_try(task):
    """Whether the running attempt is the task's last one."""
    return task.request.retries >= task.max_retries


def enqueue(task, *ids):
    """Run `task(*ids)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_publish, task, ids), robust=True)


def has_worker():
    """Whether tasks go to a broker and a worker (False: run eagerly, in this process)."""
    return not current_app.conf.task_always_eager


def enqueue_for_worker(task, *ids):
    """`enqueue`, where a worker runs the task; nothing without one (no broker).

    For work that only saves a later request some time (rendering ahead): run eagerly,
    it would run inside the request that changed the data, which waits for it. Run after
    the response instead (a thread, `request_finished`), it still holds a sync gunicorn
    worker or its CPU while other requests queue behind it: the later request does it.
    """
    if has_worker():
        enqueue(task, *ids)


def _publish(task, ids):
    try:
        task.delay(*ids)
    except Exception as error:  # the broker is unreachable: the change itself stands
        logger.error("Could not queue %s%s: %s", task.name, list(ids), type(error).__name__)
