"""The signed-in user read without building a queryset (apps/accounts/user_row.py): the
same instances as the ORM's `select_related("profile")`, in one query compiled once, on
the database the router names."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from apps.accounts import user_cache, user_row
from apps.accounts.user_row import user_with_profile
from apps.core.db_router import replica_reads
from tests.factories import StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _fields(instance):
    """Every concrete field's value with its type: a boolean, not 1; an aware datetime."""
    return {
        f.attname: (type(value), repr(value))
        for f in type(instance)._meta.concrete_fields
        for value in [getattr(instance, f.attname)]
    }


def _orm(pk):
    return User.objects.select_related("profile").get(pk=pk)


@pytest.fixture
def li():
    """A student with a value of each kind the converters turn: an aware datetime with
    microseconds, booleans set, the JSON lists of the directory and the roster."""
    profile = StudentProfileFactory(
        name="李四",
        user__is_staff=True,
        user__last_login=datetime.datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC),
        enrollment_year=2023,
        ldap_fields=["name", "email"],
        roster_fields=["major"],
        language="en",
    )
    return profile.user


def test_the_user_and_profile_read_are_the_orms_field_by_field(li, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = user_with_profile(str(li.pk))  # the session holds the id as a string
        profile = user.profile
        assert profile.user is user

    orm = _orm(li.pk)
    assert _fields(user) == _fields(orm)
    assert _fields(profile) == _fields(orm.profile)
    assert _fields(user)["is_staff"] == (bool, "True")
    assert _fields(profile)["ldap_fields"] == (list, "['name', 'email']")
    assert user.last_login == li.last_login and user.last_login.utcoffset() is not None


def test_the_user_read_behaves_as_the_orms(li, django_assert_num_queries):
    user, orm = user_with_profile(li.pk), _orm(li.pk)

    assert user == orm and user.profile == orm.profile
    assert (user._state.db, user._state.adding) == ("default", False)
    assert (user.profile._state.db, user.profile._state.adding) == ("default", False)
    assert user.get_session_auth_hash() == orm.get_session_auth_hash()
    kept, session_hash, _fallbacks = user_cache._kept(user)  # the shared cache's pickle
    with django_assert_num_queries(0):
        assert kept == orm and kept.profile.name == "李四"
    assert session_hash == orm.get_session_auth_hash()

    User.objects.filter(pk=li.pk).update(first_name="四")
    user.refresh_from_db()
    assert user.first_name == "四"


def test_a_user_without_a_profile_has_none_as_the_orm_says(django_assert_num_queries):
    clerk = UserFactory(is_staff=True)

    with django_assert_num_queries(1):
        user = user_with_profile(clerk.pk)
        with pytest.raises(User.profile.RelatedObjectDoesNotExist):
            user.profile  # noqa: B018 (the descriptor raises)
        assert not hasattr(user, "profile")
    assert _fields(user) == _fields(_orm(clerk.pk))


def test_an_unknown_or_invalid_id_is_nobody(li, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert user_with_profile(str(li.pk + 1000)) is None
    with django_assert_num_queries(0):  # as the ORM: nothing to ask the database
        for bad in ("not a number", "1.5", "", None, 2**63):
            assert user_with_profile(bad) is None, bad


def test_the_query_is_compiled_once(li, monkeypatch):
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    user_row._compiled.clear()

    for _ in range(3):
        assert user_with_profile(li.pk).profile.name == "李四"
    assert len(compiled) == 1


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_user_is_read_where_the_router_sends_the_orms_reads(settings):
    settings.DATABASE_ROUTERS = ["apps.core.db_router.ReplicaRouter"]
    user_id = StudentProfileFactory(name="王五").user_id

    with (
        replica_reads(),
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        user = user_with_profile(user_id)
    assert (len(on_replica), len(on_default)) == (1, 0)
    assert user._state.db == user.profile._state.db == "replica"
    assert user.profile.name == "王五"

    with CaptureQueriesContext(connections["default"]) as on_default:
        assert user_with_profile(user_id)._state.db == "default"  # outside: the primary
    assert len(on_default) == 1
