"""DATABASE_REPLICA_URL: the catalog, statistics and exports read from the replica; a
student's own pages, every write, and the reads of a browser that just wrote, from the
primary.

The `replica` alias is Django's test mirror of the test database (tests/conftest.py): a
second connection to the same database, so each alias's queries can be captured apart.
The tests commit (transaction=True) so that the second connection sees their rows.
"""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Application
from apps.core.db_router import STICKY_COOKIE, replica_reads
from apps.programs.models import Program, Region
from tests.builders import form_data
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

ROUTER = "apps.core.db_router.ReplicaRouter"


@pytest.fixture(autouse=True)
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.DATABASE_REPLICA_STICKY_SECONDS = 10


class Queries:
    """The SQL sent on each alias while the block runs."""

    def __enter__(self):
        self.captures = {a: CaptureQueriesContext(connections[a]) for a in ("default", "replica")}
        for capture in self.captures.values():
            capture.__enter__()
        return self

    def __exit__(self, *exc):
        for capture in self.captures.values():
            capture.__exit__(*exc)

    def on(self, alias):
        return [q["sql"] for q in self.captures[alias].captured_queries]

    def tables_on(self, alias):
        return {t for sql in self.on(alias) for t in _tables(sql)}


def _tables(sql):
    return set(re.findall(r'(?:FROM|JOIN|UPDATE|INTO)\s+"(\w+)"', sql))


def get(client, url):
    cache.clear()  # the catalog's fragments are cached: make the view read again
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def catalog_urls(program):
    return [
        reverse("programs:list", args=[program.region]),
        reverse("programs:list", args=[program.region]) + "?q=东京",
        reverse("programs:detail", args=[program.region, program.pk]),
    ]


def test_catalog_pages_read_the_programs_from_the_replica(student_client):
    program = ProgramFactory(title="东京大学交换")
    for url in catalog_urls(program):
        with Queries() as queries:
            get(student_client, url)
        assert "programs_program" in queries.tables_on("replica"), url
        assert "programs_program" not in queries.tables_on("default"), url


def test_the_home_page_counts_on_the_replica_and_reads_the_students_notices_on_the_primary(
    student_client,
):
    ProgramFactory()
    with Queries() as queries:
        get(student_client, reverse("programs:home"))
    assert "programs_program" in queries.tables_on("replica")
    assert "applications_notice" in queries.tables_on("default")
    assert "applications_notice" not in queries.tables_on("replica")


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:applications_application_statistics"),
        reverse("admin:applications_application_export", args=["csv"]),
        reverse("admin:applications_application_export", args=["xlsx"]),
    ],
)
def test_statistics_and_exports_read_the_applications_from_the_replica(
    client, superuser, make_submitted, url
):
    make_submitted()
    client.force_login(superuser)
    with Queries() as queries:
        get(client, url)
    assert "applications_application" in queries.tables_on("replica")
    assert "applications_application" not in queries.tables_on("default")


def test_a_streamed_csv_export_reads_its_rows_on_the_replica(client, superuser, make_submitted):
    make_submitted()
    client.force_login(superuser)
    response = client.get(reverse("admin:applications_application_export", args=["csv"]))
    with Queries() as queries:  # the rows are read while the body is streamed
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "张晓明" in body
    assert "applications_application" in queries.tables_on("replica")
    assert queries.on("default") == []


def test_a_students_own_pages_and_every_write_use_the_primary(student_client, make_draft):
    application = make_draft()
    for url in [
        reverse("applications:list"),
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:edit", args=[application.pk]),
        reverse("accounts:profile"),
    ]:
        with Queries() as queries:
            get(student_client, url)
        assert queries.on("replica") == [], url
        assert queries.on("default"), url

    with Queries() as queries:
        response = student_client.post(
            reverse("applications:edit", args=[application.pk]),
            {**form_data(application), "major": "数据科学", "action": "save"},
        )
    assert response.status_code == 302
    assert queries.on("replica") == []
    assert any(sql.startswith("UPDATE") for sql in queries.on("default"))


def test_after_a_post_the_same_browsers_catalog_reads_use_the_primary_until_the_window_ends(
    student_client, make_draft, client, django_user_model
):
    application = make_draft()
    other = client_of_another_student(django_user_model)
    program = application.program
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        response = student_client.post(
            reverse("applications:edit", args=[application.pk]),
            {**form_data(application), "major": "数据科学", "action": "save"},
        )
        assert STICKY_COOKIE in response.cookies
        assert response.cookies[STICKY_COOKIE]["max-age"] == 10

        clock.move_to(start + timedelta(seconds=9))
        for url in catalog_urls(program):
            with Queries() as queries:
                get(student_client, url)
            assert queries.on("replica") == [], f"{url} right after the student's save"
            assert "programs_program" in queries.tables_on("default")
            with Queries() as queries:
                get(other, url)
            assert "programs_program" in queries.tables_on("replica"), "another student"

        clock.move_to(start + timedelta(seconds=11))
        for url in catalog_urls(program):
            with Queries() as queries:
                get(student_client, url)
            assert "programs_program" in queries.tables_on("replica"), f"{url} later"


def client_of_another_student(django_user_model):
    from django.test import Client

    from tests.factories import StudentProfileFactory

    other = Client()
    other.force_login(StudentProfileFactory().user)
    return other


def test_a_forged_sticky_cookie_counts_for_nothing(student_client):
    program = ProgramFactory()
    student_client.cookies[STICKY_COOKIE] = "1"
    with Queries() as queries:
        get(student_client, reverse("programs:list", args=[program.region]))
    assert "programs_program" in queries.tables_on("replica")


def test_reads_after_a_write_or_inside_a_transaction_stay_on_the_primary():
    ProgramFactory()
    with replica_reads():
        assert router.db_for_read(Program) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Program) == "default"
        ProgramFactory(title="新项目")
        assert router.db_for_read(Program) == "default", "this request wrote"
    assert router.db_for_read(Program) == "default", "only where a view asks for it"
    assert router.db_for_write(Program) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "applications", model_name="application")
    assert not router.allow_migrate("replica", "applications", model_name="application")


def test_without_a_replica_every_read_is_on_the_primary_and_no_cookie_is_set(
    settings, student_client, make_draft
):
    settings.DATABASE_ROUTERS = []
    application = make_draft()
    response = student_client.post(
        reverse("applications:edit", args=[application.pk]),
        {**form_data(application), "action": "save"},
    )
    assert STICKY_COOKIE not in response.cookies
    with Queries() as queries:
        get(student_client, reverse("programs:list", args=[Region.INTERNATIONAL]))
    assert queries.on("replica") == []
    assert Application.objects.count() == 1


def databases_in_a_fresh_process(**environment):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, "
        "'routers': settings.DATABASE_ROUTERS}, default=str))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env |= {"DJANGO_SETTINGS_MODULE": "exchange_portal.settings", **environment}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_replica_is_configured_from_the_environment_with_persistent_checked_connections():
    alone = databases_in_a_fresh_process(DATABASE_URL="postgres://portal@db1:5432/portal")
    assert list(alone["databases"]) == ["default"] and alone["routers"] == []

    both = databases_in_a_fresh_process(
        DATABASE_URL="postgres://portal@db1:5432/portal",
        DATABASE_REPLICA_URL="postgres://portal@db2:5432/portal",
        DB_CONN_MAX_AGE="300",
    )
    assert both["routers"] == [ROUTER]
    for alias, host in [("default", "db1"), ("replica", "db2")]:
        db = both["databases"][alias]
        assert db["HOST"] == host
        assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (300, True)
        assert db["OPTIONS"]["connect_timeout"] == 5
    assert both["databases"]["replica"]["TEST"]["MIRROR"] == "default"
