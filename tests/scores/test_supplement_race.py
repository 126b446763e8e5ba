"""Twenty tabs confirming 补录分数 at once, on PostgreSQL with real threads and connections."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from apps.applications.models import EventKind
from apps.scores.models import ScoreSupplement

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]

TABS = 20


def test_twenty_racing_confirmations_store_one_score(make_submitted, student):
    application = make_submitted()
    url = reverse("scores:supplement", args=[application.pk])
    clients = []
    for _ in range(TABS):
        client = Client()
        client.force_login(student)
        clients.append(client)
    barrier = threading.Barrier(TABS)
    outcomes = [None] * TABS

    def confirm(index):
        try:
            barrier.wait()
            # Each tab types a different score: only the first to commit may stand.
            response = clients[index].post(
                url, {"language_test": "toefl", "language_score": str(90 + index)}
            )
            texts = [str(m) for m in get_messages(response.wsgi_request)]
            outcomes[index] = (response.status_code, texts)
        except Exception as error:  # a crash is a finding, kept for the assertion
            outcomes[index] = (500, [repr(error)])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert all(status == 302 for status, _ in outcomes), outcomes
    successes = [texts for _, texts in outcomes if texts[-1].startswith("外语成绩已补录")]
    refusals = [texts for _, texts in outcomes if "只能补录一次" in texts[-1]]
    assert (len(successes), len(refusals)) == (1, TABS - 1), outcomes
    application.refresh_from_db()
    stored = ScoreSupplement.objects.get(application=application)
    assert application.language_score == stored.score
    assert f"{stored.score:.0f}" in successes[0][-1]
    assert application.events.filter(kind=EventKind.SCORE).count() == 1
