"""The sign-in log is kept for LOGIN_LOG_DAYS, then pruned by a daily task."""

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.utils import timezone

from apps.accounts.tasks import prune_login_log

pytestmark = pytest.mark.django_db


def sign_in_logged(days_ago, username="2023301000001"):
    row = AccessLog.objects.create(
        username=username, ip_address="10.0.0.1", user_agent="test", path_info="/accounts/login/"
    )
    # attempt_time is set on creation: move it back as the days would.
    AccessLog.objects.filter(pk=row.pk).update(
        attempt_time=timezone.now() - timedelta(days=days_ago)
    )
    return row


def test_rows_older_than_the_retention_are_removed_and_recent_ones_kept(settings):
    settings.LOGIN_LOG_DAYS = 180
    old = sign_in_logged(200)
    recent = sign_in_logged(10)

    removed = prune_login_log()

    assert removed == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessLog.objects.filter(pk=old.pk).exists()


def test_the_task_runs_daily_from_beat():
    schedule = settings.CELERY_BEAT_SCHEDULE["prune-login-log"]
    assert schedule["task"] == "apps.accounts.tasks.prune_login_log"
    assert schedule["schedule"].hour == {3}
