"""What every signed-in request pays before its view runs, in queries (issue 23): the
session from the cache, never the database; the user with the profile the header shows
in one query; no session write on a page that changes nothing. Pinned, not timed."""

import pytest
from django.urls import reverse

# the user with the profile, the open programs per track, the student's unread notices
HOME_QUERIES = 3

pytestmark = pytest.mark.django_db


def test_an_anonymous_request_reads_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz/").status_code == 200


def test_a_signed_in_request_costs_one_query_the_user_with_the_profile(
    student_client, django_assert_num_queries
):
    student_client.get("/healthz/")

    with django_assert_num_queries(1) as captured:
        assert student_client.get("/healthz/").status_code == 200

    (query,) = captured.captured_queries
    assert query["sql"].startswith("SELECT")
    assert "accounts_studentprofile" in query["sql"]  # the profile comes with the user
    assert "django_session" not in query["sql"]  # the session from the cache


def test_a_signed_in_page_reads_the_profile_with_the_user(
    student_client, django_assert_num_queries
):
    """The home page shows the student's name in the header: no second query for it, and
    none for the session (read from the cache, not written back)."""
    home = reverse("programs:home")
    student_client.get(home)

    with django_assert_num_queries(HOME_QUERIES) as captured:
        response = student_client.get(home)

    assert "张晓明" in response.text
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "django_session" not in sql
    assert sql.count('FROM "accounts_studentprofile"') == 0
