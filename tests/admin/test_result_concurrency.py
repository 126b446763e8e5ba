"""An import racing a one-by-one change, on PostgreSQL with real threads: no lost update."""

import pytest
from django.db import connection

from apps.applications import services
from apps.applications.models import AdmissionResult, Application, EventKind
from apps.applications.results import ResultRow
from tests.applications.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def test_an_import_and_a_single_change_racing_keep_the_history_consistent(make_approved, superuser):
    for _ in range(5):
        application = make_approved()
        rows = [ResultRow(2, application.student.username, str(application.program_id), "", "录取")]

        outcomes = race(
            lambda r=rows: services.import_admission_results(rows=r, actor=superuser),
            lambda a=application: services.set_admission_result(
                application=a, result=AdmissionResult.NOT_ADMITTED, actor=superuser
            ),
        )

        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        events = list(application.events.filter(kind=EventKind.ADMISSION).order_by("pk"))
        assert len(events) == 2
        # The second writer saw what the first wrote: each move starts where the last ended.
        assert events[0].from_value == AdmissionResult.PENDING
        assert events[1].from_value == events[0].to_value
        final = Application.objects.get(pk=application.pk).admission_result
        assert final == events[1].to_value
