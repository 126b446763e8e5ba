"""Who is signed in, with the profile the page header shows, in one query."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models.query import get_related_populators

from .authz_cache import authorization


@functools.lru_cache(maxsize=16)
def _user_query(connection):
    """The user-with-profile query compiled once per database connection (compiling it
    was half of every signed-in request's CPU before its view: bench/RESULTS.md, issue
    23). Returns (compiler, sql); the primary key is the query's only parameter."""
    queryset = get_user_model()._default_manager.select_related("profile").filter(pk=0)[:1]
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # not a query this function knows how to run again
        raise AssertionError(f"unexpected parameters {params!r} in {sql}")
    return compiler, sql


def user_with_profile(user_id):
    """The user of a session with the student profile joined, or None: the same query and
    the same objects as `select_related("profile").filter(pk=user_id).first()` (without
    its ORDER BY: the key is unique), built as Django's ModelIterable builds them, from
    SQL compiled once instead of on every request."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    db = router.db_for_read(User)
    connection = connections[db]
    compiler, sql = _user_query(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    (row,) = compiler.results_iter([[row]])
    klass_info, select = compiler.klass_info, compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    user = User.from_db(db, [f[0].target.attname for f in select[start:end]], row[start:end])
    for populator in get_related_populators(klass_info, select, db):
        populator.populate(row, user)
    return user


class PortalModelBackend(ModelBackend):
    """Local accounts; every page's header shows the profile's name, so it comes along."""

    def get_user(self, user_id):
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        # The same sets Django reads, shared across requests until they change.
        if obj is None and user_obj.is_active and not user_obj.is_anonymous:
            return authorization(user_obj)[from_name]
        return super()._get_permissions(user_obj, obj, from_name)
