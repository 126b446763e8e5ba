"""Races between two tabs, on PostgreSQL with real threads (row locks are what is tested)."""

import os
import threading

import pytest
from django.db import connection, connections

from apps.applications import services
from apps.applications.models import Application, Status
from apps.attachments.models import Attachment, AttachmentKind
from tests.builders import checked, pdf_upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def race(*calls):
    """Run each call in its own thread and connection, released together; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except services.ApplicationError as error:
            outcomes[index] = ("refused", error.message)
        except Exception as error:  # anything else is a bug: keep it for the assertion
            outcomes[index] = ("crash", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_ten_tabs_submitting_the_same_draft_give_one_submission(make_draft, student):
    draft = make_draft()

    outcomes = race(
        *[lambda: services.submit_application(application=draft, user=student) for _ in range(10)]
    )

    assert [kind for kind, _ in outcomes].count("ok") == 1, outcomes
    assert [kind for kind, _ in outcomes].count("refused") == 9, outcomes
    assert draft.events.filter(to_value=Status.SUBMITTED).count() == 1


def test_a_save_racing_a_submit_loses_no_upload(make_draft, student, settings):
    for _ in range(5):
        draft = make_draft()
        upload = checked(AttachmentKind.LANGUAGE, pdf_upload("外语证明.pdf"))

        outcomes = race(
            lambda d=draft, u=upload: services.save_draft(
                application=d, user=student, changes={"major": "数据科学"}, new_files=[u]
            ),
            lambda d=draft: services.submit_application(application=d, user=student),
        )

        assert "crash" not in [kind for kind, _ in outcomes], outcomes
        draft = Application.objects.get(pk=draft.pk)
        assert draft.status == Status.SUBMITTED
        saved = outcomes[0][0] == "ok"
        stored = Attachment.objects.filter(application=draft, kind=AttachmentKind.LANGUAGE)
        # Either the save came first and is part of what was submitted, or it was refused
        # with a message and left nothing behind.
        assert stored.exists() == saved
        assert (draft.major == "数据科学") == saved
        media = settings.STORAGES["default"]["OPTIONS"]["location"] / "attachments" / str(draft.pk)
        assert len(os.listdir(media)) == draft.attachments.count(), "no orphan files"
