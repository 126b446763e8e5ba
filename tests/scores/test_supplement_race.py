"""Twenty tabs confirming 补录分数 at once, on PostgreSQL with real threads and connections."""

from django.urls import reverse

from apps.applications import services as application_services
from apps.applications.models import EventKind, Status
from apps.applications.services import withdraw_application
from apps.scores import services as score_services
from apps.scores.models import ScoreSupplement
from apps.scores.services import supplement_score
from tests.concurrency import (
    assert_history_matches,
    on_postgresql,
    posted,
    race,
    signed_in,
    while_holding,
)

pytestmark = on_postgresql

TABS = 20


def test_twenty_racing_confirmations_store_one_score(make_submitted, student):
    application = make_submitted()
    url = reverse("scores:supplement", args=[application.pk])

    # Each tab types a different score: only the first to commit may stand.
    outcomes = race(
        *[
            posted(signed_in(student), url, {"language_test": "toefl", "language_score": 90 + i})
            for i in range(TABS)
        ]
    )

    assert all(kind == "ok" and status == 302 for kind, (status, *_) in outcomes), outcomes
    texts = [messages for _, (_status, messages, _page) in outcomes]
    successes = [m for m in texts if m[-1].startswith("外语成绩已补录")]
    refusals = [m for m in texts if "只能补录一次" in m[-1]]
    assert (len(successes), len(refusals)) == (1, TABS - 1), texts
    application.refresh_from_db()
    stored = ScoreSupplement.objects.get(application=application)
    assert application.language_score == stored.score
    assert f"{stored.score:.0f}" in successes[0][-1]
    assert application.events.filter(kind=EventKind.SCORE).count() == 1


def kinds_in_order(application):
    return [
        (kind, to_value if kind == EventKind.STATUS else "")
        for kind, to_value in application.events.order_by("pk").values_list("kind", "to_value")
    ]


def test_a_supplement_racing_a_withdraw_is_stored_only_before_it(make_submitted, student):
    for _ in range(10):
        application = make_submitted()

        outcomes = race(
            lambda a=application: supplement_score(
                application=a, user=student, language_test="toefl", score=95
            ),
            lambda a=application: withdraw_application(application=a, user=student),
        )

        (supplemented, _), (withdrawn, _) = outcomes
        assert withdrawn == "ok" and supplemented in ("ok", "refused"), outcomes
        application = assert_history_matches(application)
        stored = ScoreSupplement.objects.filter(application=application).exists()
        assert stored == (supplemented == "ok")
        assert (application.language_score is not None) == stored
        assert application.events.filter(kind=EventKind.SCORE).count() == stored
        if stored:  # onto a 待审核 application, which was withdrawn after it
            assert kinds_in_order(application)[-2:] == [
                (EventKind.SCORE, ""),
                (EventKind.STATUS, Status.WITHDRAWN),
            ]


def test_a_withdraw_waits_for_the_supplement_holding_the_row(make_submitted, student, monkeypatch):
    application = make_submitted()

    waited, supplemented, withdrawn = while_holding(
        monkeypatch,
        score_services,
        lambda: supplement_score(
            application=application, user=student, language_test="toefl", score=95
        ),
        lambda: withdraw_application(application=application, user=student),
    )

    assert waited, "the withdraw waited until the supplement was committed"
    assert (supplemented[0], withdrawn[0]) == ("ok", "ok"), (supplemented, withdrawn)
    assert kinds_in_order(application)[-2:] == [
        (EventKind.SCORE, ""),
        (EventKind.STATUS, Status.WITHDRAWN),
    ]


def test_a_supplement_waits_for_the_withdraw_holding_the_row_and_is_refused(
    make_submitted, student, monkeypatch
):
    application = make_submitted()

    waited, withdrawn, supplemented = while_holding(
        monkeypatch,
        application_services.student,
        lambda: withdraw_application(application=application, user=student),
        lambda: supplement_score(
            application=application, user=student, language_test="toefl", score=95
        ),
    )

    assert waited, "the supplement waited until the withdrawal was committed"
    assert withdrawn[0] == "ok" and supplemented[0] == "refused", (withdrawn, supplemented)
    assert "撤回" in supplemented[1] or "只有待审核" in supplemented[1], supplemented
    assert not ScoreSupplement.objects.filter(application=application).exists()
    application = assert_history_matches(application)
    assert application.language_score is None
