"""Real threads released together, for the race tests (each thread has its own connection).

Row locks are what these tests prove, so they run on PostgreSQL only: SQLite serialises
every writer on the file and would pass them for the wrong reason.
"""

import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client

from apps.applications import services
from apps.applications.services import ApplicationError

on_postgresql = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def race(*calls, timeout=60):
    """Run each call in its own thread and connection, released together; return outcomes:
    ("ok", result), ("refused", message) for an ApplicationError, ("crash", repr) else."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except ApplicationError as error:
            outcomes[index] = ("refused", error.message)
        except Exception as error:  # anything else is a bug: keep it for the assertion
            outcomes[index] = ("crash", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return outcomes


def wait_until(condition, timeout=60):
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False): a generous
    limit for a condition, not a clock the test relies on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


class Racer(threading.Thread):
    """One call in a thread with a connection of its own; `outcome` as `race` gives it,
    `backend_pid` the PostgreSQL backend serving it."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call, self.outcome, self.backend_pid = call, None, None
        self.connected = threading.Event()

    def run(self):
        try:
            connection.ensure_connection()
            self.backend_pid = connection.connection.info.backend_pid
            self.connected.set()
            self.outcome = ("ok", self.call())
        except ApplicationError as error:
            self.outcome = ("refused", error.message)
        except Exception as error:
            self.outcome = ("crash", repr(error))
        finally:
            self.connected.set()
            connections.close_all()


def waiting_for_a_lock(pid):
    """Whether the backend `pid` is blocked on a lock (a row lock another holds)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def while_holding(monkeypatch, module, first, second, *, after="locked_application"):
    """Run `first` until it has read its row (`module.<after>` returned), hold it there,
    then start `second` and see whether it waits for `first`'s row lock: the order a
    lock guarantees, made to happen instead of hoped for.

    Returns (second_waited, first's outcome, second's outcome). `second_waited` is False
    when `second` finished while `first` was held: nothing kept it out of the row."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(module, after)

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread() is holder and not reached.is_set():
            reached.set()
            release.wait(60)
        return result

    monkeypatch.setattr(module, after, held)
    holder, other = Racer(first), Racer(second)
    holder.start()
    try:
        assert wait_until(lambda: reached.is_set() or holder.outcome), "first never read its row"
        assert holder.outcome is None, f"first ended before holding its row: {holder.outcome}"
        other.start()
        other.connected.wait(60)
        waited = wait_until(lambda: other.outcome or waiting_for_a_lock(other.backend_pid))
        assert waited, "second neither finished nor waited"
        second_waited = other.outcome is None
    finally:
        release.set()
        holder.join(60)
        other.join(60)
    assert not (holder.is_alive() or other.is_alive()), "a racer hung"
    return second_waited, holder.outcome, other.outcome


def signed_in(user):
    """A test client of its own (a browser tab) signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def posted(client, url, data):
    """A POST for `race`: (status code, the messages it left, the page text)."""

    def call():
        response = client.post(url, data)
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        return response.status_code, texts, response.content.decode(errors="replace")

    return call


def review(decision, application, actor):
    """A clerk's 审核通过 / 审核不通过 / 退回修改 (the two last with the comment they need)."""
    if decision == "approve":
        return services.approve_application(application=application, actor=actor)
    decide = {"reject": services.reject_application, "return": services.return_application}
    return decide[decision](application=application, actor=actor, comment="请补充材料")


REVIEWS = ("approve", "reject", "return")


def assert_history_matches(application):
    """The application's history and audit log tell the story its row ends in: each move
    starts where the last one ended (no lost update), and the last ends at the row's value."""
    from auditlog.models import LogEntry

    from apps.applications.models import (
        ADMISSION_KINDS,
        STATUS_KINDS,
        AdmissionResult,
        Application,
        Status,
    )

    application = Application.objects.get(pk=application.pk)
    # A revert (撤销) moves the same field as the decision or the result it takes back.
    for kinds, field, start in [
        (STATUS_KINDS, "status", ""),
        (ADMISSION_KINDS, "admission_result", AdmissionResult.PENDING),
    ]:
        events = list(application.events.filter(kind__in=kinds).order_by("pk"))
        chain = [start] + [event.to_value for event in events]
        assert [event.from_value for event in events] == chain[:-1], (field, chain)
        assert chain[-1] == getattr(application, field), (field, chain)
        audited = [
            entry.changes_dict[field][-1]
            for entry in LogEntry.objects.get_for_object(application).order_by("pk")
            if field in (entry.changes_dict or {})
        ]
        if audited:
            assert audited[-1] == str(getattr(application, field)), (field, audited)
    assert application.status != Status.SUBMITTED or application.submitted_at is not None
    return application
