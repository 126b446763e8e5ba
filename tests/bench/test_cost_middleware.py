"""bench/cost --middleware: each middleware's own CPU share and the queries of a page."""

import pytest
from django.conf import settings

from bench.loadtest.cost import _middleware_breakdown

pytestmark = pytest.mark.django_db


def test_it_lists_every_middleware_the_view_and_the_signed_in_query(student_client, capsys):
    _middleware_breakdown(student_client.get, "/applications/", repeat=3)

    out = capsys.readouterr().out
    for path in settings.MIDDLEWARE:
        assert f"  {path}\n" in out
    assert "the view (URL resolution, the view, its template)" in out
    # none: the user with the profile and the student's list come from the cache
    assert "queries on 'default' per request: 0" in out


def test_a_post_is_refused(student_client):
    import functools

    with pytest.raises(SystemExit):
        _middleware_breakdown(functools.partial(student_client.post), "/healthz/", repeat=1)
