"""An import racing a clerk's work, on PostgreSQL with real threads: no lost update, and the
history, notices and audit log match the final state."""

import pytest

from apps.applications import services
from apps.applications.models import AdmissionResult, Application, EventKind, Notice, Status
from apps.applications.results import ResultRow
from tests.concurrency import (
    REVIEWS,
    assert_history_matches,
    on_postgresql,
    race,
    review,
    while_holding,
)

pytestmark = on_postgresql

ROUNDS = 5


def result_file(application, word="录取"):
    return [ResultRow(2, application.student.username, str(application.program_id), "", word)]


def test_an_import_and_a_single_change_racing_keep_the_history_consistent(make_approved, superuser):
    for _ in range(ROUNDS):
        application = make_approved()

        outcomes = race(
            lambda a=application: services.import_admission_results(
                rows=result_file(a), actor=superuser
            ),
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
        assert_history_matches(application)


@pytest.mark.parametrize("decision", REVIEWS)
def test_an_import_racing_a_review_writes_a_result_only_on_an_approved_application(
    make_submitted, superuser, decision
):
    """The import names a 待审核 application the clerk is deciding right now: it is either
    refused as a whole (not approved yet, or no longer approvable) or written on top of the
    approval, never on an application that is not 审核通过."""
    for _ in range(ROUNDS):
        application = make_submitted()

        outcomes = race(
            lambda a=application: services.import_admission_results(
                rows=result_file(a), actor=superuser
            ),
            lambda a=application: review(decision, a, superuser),
        )

        (imported, _), (reviewed, _) = outcomes
        assert reviewed == "ok", outcomes
        assert imported in ("ok", "refused"), outcomes
        application = assert_history_matches(application)
        admitted = application.admission_result == AdmissionResult.ADMITTED
        assert admitted == (imported == "ok")
        if admitted:
            assert application.status == Status.APPROVED
        # One notice per announced event: the decision, and the result if it was written.
        assert Notice.objects.filter(event__application=application).count() == 1 + admitted


@pytest.mark.parametrize("decision", REVIEWS)
def test_an_import_waits_for_the_review_holding_the_row_and_judges_its_decision(
    make_submitted, superuser, decision, monkeypatch
):
    application = make_submitted()

    waited, reviewed, imported = while_holding(
        monkeypatch,
        services.decisions,
        lambda: review(decision, application, superuser),
        lambda: services.import_admission_results(rows=result_file(application), actor=superuser),
    )

    assert waited, "the import waited until the decision was committed"
    assert reviewed[0] == "ok", reviewed
    # It read the decision: a result only on top of an approval, else the file is refused.
    assert imported[0] == ("ok" if decision == "approve" else "refused"), imported
    application = assert_history_matches(application)
    admitted = application.admission_result == AdmissionResult.ADMITTED
    assert admitted == (decision == "approve")
