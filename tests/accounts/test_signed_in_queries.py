"""What every signed-in request pays before its view runs, in queries (issue 23): the
session from the cache, never the database; the user with the profile the header shows
kept in the cache (or, with a cache of one process only, read in one query); no session
write on a page that changes nothing. Pinned, not timed."""

import pytest
from django.urls import reverse

# none: the user with the profile is kept, the open programs per track are kept with the
# catalog, and a student without notices is known to have none
HOME_QUERIES = 0

pytestmark = pytest.mark.django_db


def test_an_anonymous_request_reads_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz/").status_code == 200


def test_a_signed_in_request_that_shows_nobody_reads_nothing(
    student_client, django_assert_num_queries
):
    """/healthz/ never looks at who is asking: not even the audit log's actor is read
    (it is looked up when an entry is written)."""
    student_client.get("/healthz/")

    with django_assert_num_queries(0):
        assert student_client.get("/healthz/").status_code == 200


def test_a_signed_in_page_reads_neither_session_nor_user_once_kept(
    student_client, django_assert_num_queries
):
    """The embedded default's cache (the suite's) keeps the user of a session, as Redis
    does: its processes tell each other what they forget (apps/core/local_cache.py)."""
    url = reverse("applications:list")
    student_client.get(url)

    with django_assert_num_queries(0):  # the list is cached too
        assert student_client.get(url).status_code == 200


def test_with_a_cache_of_one_process_the_user_is_read_in_one_query(
    student_client, settings, django_assert_num_queries
):
    """Without the log (no file for it, or no file locks: Windows), nothing tells another
    process to forget a user: it is read on each request, with the profile, and the
    session is not."""
    settings.CACHES = {"default": {"BACKEND": "apps.core.local_cache.LocMemCache"}}
    url = reverse("applications:list")
    student_client.get(url)

    with django_assert_num_queries(1) as captured:  # the user (the list is cached)
        assert student_client.get(url).status_code == 200

    query = captured.captured_queries[0]
    assert query["sql"].startswith("SELECT")
    assert "accounts_studentprofile" in query["sql"]  # the profile comes with the user
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "django_session" not in sql  # the session from the cache


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


def test_the_session_user_is_the_one_the_orm_reads(student, django_assert_num_queries):
    """user_with_profile(): the same user and profile as the ORM's, the profile cached on
    it (no query to read it), and None for an unknown or bad id."""
    from django.forms.models import model_to_dict

    from apps.accounts.user_cache import user_with_profile

    with django_assert_num_queries(1):
        user = user_with_profile(str(student.pk))
        assert user.profile.user is user
    orm = type(student).objects.select_related("profile").get(pk=student.pk)
    assert model_to_dict(user) == model_to_dict(orm)
    assert model_to_dict(user.profile) == model_to_dict(orm.profile)
    assert user._state.db == "default" and not user._state.adding
    assert user_with_profile(str(student.pk + 1000)) is None
    assert user_with_profile("not a number") is None


def test_a_clerk_has_no_profile_and_no_query_says_so(clerk, django_assert_num_queries):
    from apps.accounts.models import StudentProfile
    from apps.accounts.user_cache import user_with_profile

    with django_assert_num_queries(1):
        user = user_with_profile(clerk.pk)
        with pytest.raises(StudentProfile.DoesNotExist):
            user.profile  # noqa: B018 (the descriptor raises)


def test_a_change_to_the_account_counts_on_the_next_request(student_client, student, password):
    home = reverse("programs:home")
    assert student_client.get(home).status_code == 200

    student.set_password(password + "-changed")
    student.save()
    assert student_client.get(home).status_code == 302  # signed out: a new password

    student_client.force_login(student)
    assert student_client.get(home).status_code == 200
    student.is_active = False
    student.save()
    assert student_client.get(home).status_code == 302  # signed out: deactivated
