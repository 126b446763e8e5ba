"""Passport numbers are encrypted at rest with keys from the environment, and keys rotate."""

import io
import json

import pytest
from auditlog.models import LogEntry
from cryptography.fernet import Fernet
from django.contrib.contenttypes.models import ContentType
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.applications.models import Application
from apps.core import crypto
from tests.builders import passport

pytestmark = pytest.mark.django_db

NUMBER = passport()["passport_number"]  # E12345678


def raw_passport(application):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT passport_number FROM applications_application WHERE id = %s", [application.pk]
        )
        return cursor.fetchone()[0]


def test_the_column_holds_ciphertext_and_the_model_plain_text(make_draft):
    application = make_draft(**passport())

    stored = raw_passport(application)
    assert NUMBER not in stored
    assert stored.startswith(crypto.TOKEN_PREFIX)
    assert Application.objects.get(pk=application.pk).passport_number == NUMBER


def test_each_save_encrypts_differently_so_equal_numbers_do_not_show(make_draft):
    first = make_draft(**passport())
    second = make_draft(**passport())
    assert raw_passport(first) != raw_passport(second)


def test_no_passport_is_stored_as_empty_and_the_schema_rules_still_hold(make_draft):
    application = make_draft(has_passport=False)
    assert raw_passport(application) == ""
    assert Application.objects.filter(pk=application.pk, passport_number="").exists()


def test_without_the_key_that_encrypted_it_a_value_cannot_be_read(make_draft, settings):
    application = make_draft(**passport())
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        Application.objects.get(pk=application.pk)


def test_rotation_reencrypts_every_row_so_the_old_key_can_go(make_draft, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with_passport = make_draft(**passport())
    without = make_draft(has_passport=False)
    before = raw_passport(with_passport)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert Application.objects.get(pk=with_passport.pk).passport_number == NUMBER
    call_command("rotate_encryption_keys", stdout=io.StringIO())

    after = raw_passport(with_passport)
    assert after != before and NUMBER not in after
    assert raw_passport(without) == ""
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert Application.objects.get(pk=with_passport.pk).passport_number == NUMBER
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.DecryptionError):
        Application.objects.get(pk=with_passport.pk)


def test_rotation_leaves_updated_at_alone(make_draft, settings):
    application = make_draft(**passport())
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert Application.objects.get(pk=application.pk).updated_at == application.updated_at


def _errors(settings, **overrides):
    for name, value in overrides.items():
        setattr(settings, name, value)
    return [m.id for m in run_checks() if m.id == "portal.E002"]


def test_production_without_a_key_is_a_system_check_error(settings):
    assert _errors(settings) == []
    assert _errors(settings, DEBUG=False, FIELD_ENCRYPTION_KEYS=[]) == ["portal.E002"]
    assert _errors(settings, FIELD_ENCRYPTION_KEYS=["not-a-key"]) == ["portal.E002"]
    good = Fernet.generate_key().decode()
    assert _errors(settings, FIELD_ENCRYPTION_KEYS=[good, "short"]) == ["portal.E002"]
    assert _errors(settings, FIELD_ENCRYPTION_KEYS=[good]) == []


def test_the_development_key_comes_from_secret_key():
    one, two = crypto.development_key("a"), crypto.development_key("b")
    assert one != two
    Fernet(one)  # a valid key


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_numbers_and_reverses(make_draft):
    application = make_draft(**passport())
    executor = MigrationExecutor(connection)
    before = [("applications", "0006_office_list_index")]
    # Every app's latest migration: going back unapplies the later migrations of the apps
    # that depend on applications too (attachments' index changes), and they come back.
    latest = executor.loader.graph.leaf_nodes()
    schema = schema_snapshot()
    try:
        executor.migrate(before)
        assert raw_passport(application) == NUMBER, "reversed: plain text again"
        # An audit entry from before masking existed, holding the number in clear.
        ContentType.objects.clear_cache()
        old_entry = LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Application),
            object_pk=str(application.pk),
            object_id=application.pk,
            object_repr="old",
            action=LogEntry.Action.UPDATE,
            changes={"passport_number": ["", NUMBER], "name": ["a", "b"]},
            changes_text=json.dumps({"passport_number": ["", NUMBER]}),
        )

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert raw_passport(application).startswith(crypto.TOKEN_PREFIX)
        assert Application.objects.get(pk=application.pk).passport_number == NUMBER
        old_entry.refresh_from_db()
        assert old_entry.changes == {"passport_number": ["", "******"], "name": ["a", "b"]}
        assert NUMBER not in old_entry.changes_text
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert schema_snapshot() == schema, "the migrations left the schema as they found it"


def schema_snapshot():
    """Every table's columns and constraints (indexes included), by name."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        return {
            table: (
                [column.name for column in introspection.get_table_description(cursor, table)],
                introspection.get_constraints(cursor, table),
            )
            for table in introspection.table_names(cursor)
        }
