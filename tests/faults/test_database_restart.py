"""The database restarting under load: students keep saving, submitting, withdrawing and
reading while the PostgreSQL cluster is stopped (`pg_ctl -m fast`) and started again.

Requests in flight and during the outage get the friendly 503 page with Retry-After (500
for what fails otherwise) quickly, never a hang; service is back as soon as the cluster
is, without restarting the portal (its processes are the same ones), and nothing is
half-written: every application's status matches its
history, every attachment row has its file and every file its row, and every save the
student was told about is there.

The test starts its own cluster and server (tests/faults/portal.py); it runs in the
PostgreSQL pass of `.ci/run` (about 40 s) and always stops both, even on failure.
"""

import os
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import connection

from tests.faults import portal

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="runs once, in the PostgreSQL pass (it starts a cluster of its own)",
    ),
]

TABS = 6
CLIENT_TIMEOUT = 30  # a request slower than this is a hang (generous: a busy machine)
BEFORE, OUTAGE, AFTER = 3.0, 3.0, 5.0  # seconds of load around the stop and start


@dataclass
class Outcome:
    step: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer at all
    detail: str = ""
    major: str = ""  # the 专业 a save sent
    location: str = ""


@dataclass
class Tab:
    """One student's browser tab, going round the application's life again and again."""

    port: int
    student: dict
    outcomes: list = field(default_factory=list)

    def cookies(self):
        return {"sessionid": self.student["session"], "csrftoken": "f" * 32}

    def send(self, step, method, path, major="", **kwargs):
        started = time.monotonic()
        try:
            response = portal.request(
                self.port, method, path, cookies=self.cookies(), timeout=CLIENT_TIMEOUT, **kwargs
            )
            status, location = response.status, response.headers.get("Location", "")
            detail = response.text[:2000] if status >= 400 else ""
        except TimeoutError:
            status, detail, location = 0, "timed out", ""
        except OSError as error:
            status, detail, location = 0, repr(error), ""
        ended = time.monotonic()
        self.outcomes.append(Outcome(step, started, ended, status, detail, major, location))

    def run(self, stop):
        pk, program = self.student["application"], self.student["program"]
        edit = f"/applications/{pk}/edit/"
        round_ = 0
        while not stop.is_set():
            round_ += 1
            major = f"专业{pk}-{round_}"
            self.send("read", "GET", edit)
            files = {"language": (f"证明{round_}.pdf", os.urandom(2048))} if round_ % 2 else None
            fields = {**self.student["form"], "major": major, "action": "save"}
            self.send("save", "POST", edit, major=major, fields=fields, files=files)
            self.send("submit", "POST", edit, fields={**fields, "action": "submit"})
            self.send("list", "GET", "/applications/")
            self.send("withdraw", "POST", f"/applications/{pk}/withdraw/", fields={})
            self.send("reopen", "POST", f"/programs/{program}/apply/", fields={})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A cluster of our own, migrated and seeded, and the portal serving it."""
    try:
        cluster = portal.Cluster()
    except portal.Unavailable as reason:
        pytest.skip(str(reason))
    server = None
    try:
        cluster.start()
        portal.create_database(cluster)
        folder = tmp_path_factory.mktemp("faults-portal")
        (folder / "static").mkdir()
        env = portal.portal_env(cluster, folder / "media", folder / "static")
        portal.migrate(env)
        students = portal.seed(env, TABS)
        server = portal.Server(env).wait_until_up()
        yield cluster, server, env, students
    finally:
        if server is not None:
            server.stop()
        cluster.destroy()


def load(tabs, seconds, during=None):
    """Every tab in its own thread for `seconds`, calling `during()` meanwhile; the outcomes
    of this run sorted by start, and what `during` returned."""
    stop = threading.Event()
    marks = [len(tab.outcomes) for tab in tabs]
    threads = [threading.Thread(target=tab.run, args=(stop,)) for tab in tabs]
    for thread in threads:
        thread.start()
    try:
        result = during() if during else None
        time.sleep(seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 5)
    outcomes = [o for tab, mark in zip(tabs, marks, strict=True) for o in tab.outcomes[mark:]]
    return sorted(outcomes, key=lambda o: o.started), result


def test_a_database_restart_under_load_fails_cleanly_and_recovers(served):
    cluster, server, env, students = served
    pids = server.pids()
    tabs = [Tab(server.port, student) for student in students]

    def restart():
        time.sleep(BEFORE)
        down = time.monotonic()
        cluster.stop("fast")
        time.sleep(OUTAGE)
        cluster.start()
        return down, time.monotonic()

    outcomes, (down, up) = load(tabs, AFTER, during=restart)

    # The students were signed in and served before the stop (not sent to the login).
    before = [o for o in outcomes if o.ended < down]
    assert any(o.step == "read" and o.status == 200 for o in before)
    assert not any("/accounts/login/" in o.location for o in outcomes)
    # Every request had an answer before the client gave up on it (CLIENT_TIMEOUT: how
    # long it took is bench/'s business), and every failure is the friendly page.
    assert all(o.status for o in outcomes), [o for o in outcomes if not o.status][:3]
    failures = [o for o in outcomes if o.status >= 400]
    friendly = {503: "服务暂时不可用", 500: "系统出错"}
    assert all(friendly.get(o.status, "?") in o.detail for o in failures), failures[:3]
    assert all("Traceback" not in o.detail for o in failures)
    # The outage was felt: requests during it failed, as "unavailable, try again".
    assert any(down <= o.started < up for o in failures), "the restart went unnoticed"
    assert any(o.status == 503 for o in failures), "a lost database is a 503"
    # And service is back without restarting the portal: everything sent once the cluster
    # is up again succeeds, with the same processes as before.
    after = [o for o in outcomes if o.started >= up + 0.5]
    assert len(after) > 2 * TABS
    assert [o for o in after if o.status >= 400] == []

    # A restart while nobody is asking: the kept connections are dead, and the health
    # check (CONN_HEALTH_CHECKS) replaces them before the next request uses one.
    cluster.stop("fast")
    cluster.start()
    quiet, _ = load(tabs, AFTER)
    assert len(quiet) > 2 * TABS
    assert [(o.step, o.status) for o in quiet if o.status >= 400] == []

    assert server.process.poll() is None
    assert server.pids() == pids, "the portal's processes were restarted"
    assert_nothing_half_written(portal.report(env), tabs)


def assert_nothing_half_written(found, tabs):
    # Every submission renders the form into the PDF cache (a task): a cache, not uploads.
    files = {
        name: size for name, size in found["files"].items() if not name.startswith("pdf-cache/")
    }
    for row in found["applications"]:
        # The status and the history were written together or not at all.
        statuses = [to for kind, _from, to in row["events"] if kind == "status"]
        chain = [""] + statuses
        froms = [frm for kind, frm, _to in row["events"] if kind == "status"]
        assert froms == chain[:-1], row["events"]
        assert statuses[-1] == row["status"], row
        assert row["submitted"] == (row["status"] == "submitted"), row
        # Each attachment row has its file, whole; each file has its row.
        for name, size in row["attachments"]:
            assert files.pop(name, None) == size, (name, size)
    assert files == {}, f"orphan files: {sorted(files)[:5]}"

    by_pk = {row["pk"]: row for row in found["applications"]}
    for tab in tabs:
        row = by_pk[tab.student["application"]]
        saves = [o for o in tab.outcomes if o.step == "save"]
        # "Saved" sends the student back to the form; a refusal (already submitted) does not.
        edit = f"/applications/{row['pk']}/edit/"
        acknowledged = [
            i for i, o in enumerate(saves) if o.status == 302 and o.location.endswith(edit)
        ]
        # The last save the student saw succeed is there, unless a later one (whose answer
        # may have been lost with the connection) replaced it.
        possible = {o.major for o in saves[acknowledged[-1] :]} if acknowledged else set()
        assert row["major"] in possible, (row["major"], sorted(possible)[:5])
