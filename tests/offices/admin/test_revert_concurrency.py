"""撤销审核 racing the entry of an admission result, on PostgreSQL with real threads.

Both lock the application's row first, so one of them sees what the other wrote: either
the review is reverted (待审核) and the result is refused (only an approved application
takes one), or the result is written and the revert is refused (a result is entered).
Never both, never a result on an application that is no longer approved."""

import pytest

from apps.applications import services
from apps.applications.models import AdmissionResult, Notice, Status
from apps.applications.results import ResultRow
from tests.concurrency import assert_history_matches, on_postgresql, race

pytestmark = on_postgresql

ROUNDS = 5
REASON = "审核时看错了成绩单。"


def enter_result(application, actor, how):
    if how == "single":
        return services.set_admission_result(
            application=application, result=AdmissionResult.ADMITTED, actor=actor
        )
    rows = [ResultRow(2, application.student.username, str(application.program_id), "", "录取")]
    return services.import_admission_results(rows=rows, actor=actor)


@pytest.mark.parametrize("how", ["single", "import"])
def test_a_revert_racing_a_result_entry_lets_exactly_one_through_in_lock_order(
    make_approved, office_head, superuser, how
):
    for _ in range(ROUNDS):
        application = make_approved()

        outcomes = race(
            lambda a=application: services.revert_review(
                application=a, actor=office_head, reason=REASON
            ),
            lambda a=application: enter_result(a, superuser, how),
        )

        (reverted, revert_says), (entered, entry_says) = outcomes
        assert sorted([reverted, entered]) == ["ok", "refused"], outcomes
        application = assert_history_matches(application)
        if reverted == "ok":
            # The revert held the lock first: the result entry found 待审核 and was refused.
            assert "只有审核通过的申请" in entry_says or "有误" in entry_says, entry_says
            assert (application.status, application.admission_result) == (
                Status.SUBMITTED,
                AdmissionResult.PENDING,
            )
            last = application.events.order_by("pk").last()
            assert last.comment == REASON
        else:
            # The result came first: the revert found it and was refused.
            assert "已录入录取结果" in revert_says, revert_says
            assert (application.status, application.admission_result) == (
                Status.APPROVED,
                AdmissionResult.ADMITTED,
            )
        # One notice for the approval, one for whichever move went through.
        assert Notice.objects.filter(event__application=application).count() == 2


def test_two_result_reverts_racing_write_one_history_row(make_approved, superuser):
    for _ in range(ROUNDS):
        application = services.set_admission_result(
            application=make_approved(), result=AdmissionResult.ADMITTED, actor=superuser
        )

        outcomes = race(
            *(
                lambda a=application: services.revert_admission_result(
                    application=a, actor=superuser, reason=REASON
                )
                for _ in range(2)
            )
        )

        assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
        application = assert_history_matches(application)
        assert application.admission_result == AdmissionResult.PENDING
