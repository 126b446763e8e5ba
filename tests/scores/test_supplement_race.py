"""Twenty tabs confirming 补录分数 at once, on PostgreSQL with real threads and connections."""

from django.urls import reverse

from apps.applications.models import EventKind
from apps.scores.models import ScoreSupplement
from tests.concurrency import on_postgresql, posted, race, signed_in

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
