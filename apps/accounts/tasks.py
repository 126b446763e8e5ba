"""The accounts' periodic task: the sign-in log is kept for LOGIN_LOG_DAYS, not for ever.

django-axes writes an AccessLog row for every sign-in and sign-out (who, from where,
when): evidence for a while after a suspicious sign-in, and ~60,000 students sign in
many times a year. Lockouts and failed attempts are separate (AccessAttempt) and expire
with AXES_COOLOFF_TIME.
"""

import logging

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task
def prune_login_log(days=None):
    """Daily (CELERY_BEAT_SCHEDULE): delete sign-in log rows older than `days`."""
    days = settings.LOGIN_LOG_DAYS if days is None else days
    removed = AxesProxyHandler.reset_logs(age_days=days)
    logger.info("%s sign-in log row(s) older than %s days removed.", removed, days)
    return removed
