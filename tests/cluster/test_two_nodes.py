"""Two app nodes behind nginx, on one PostgreSQL with a streaming replica, one Redis, an
S3 endpoint and a Celery worker (tests/cluster/stack.py starts them all on loopback).

One student's journey goes through both nodes: signed in through nginx, the draft saved
on node A, the files uploaded on node B (the same session cookie, sent to each node
directly), then node B is killed (SIGKILL, a crash) and the journey goes on through nginx:
still signed in, the files uploaded on the dead node there, submitted, the PDF (warmed
by the worker) downloaded; a clerk approves and the worker mails the decision. The files
are in the bucket and in no node's folder, and the replica has the rows.

Sign-in uses the portal's local accounts (the student has a password, as tests/faults'
students do): the LDAP path is the same on every node and has its own tests.
"""

import http.client
import io
import re

import pytest
from django.db import connection
from pypdf import PdfWriter

from bench.loadtest.client import FormFields
from tests.cluster import stack as cluster_stack
from tests.faults import portal
from tests.smtp_server import SmtpServer

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="runs once, in the PostgreSQL pass (it starts PostgreSQL clusters of its own)",
    ),
]

PASSWORD = "cluster-pass-2026"
SEED = """
from django.contrib.auth.models import Group
from apps.programs.models import OFFICE_GROUPS, Region
from tests.factories import ProgramFactory, StudentProfileFactory, UserFactory

program = ProgramFactory(region=Region.INTERNATIONAL)
student = StudentProfileFactory(email="traveller@example.edu").user
clerk = UserFactory(is_staff=True)
clerk.groups.add(Group.objects.get_or_create(name=OFFICE_GROUPS[Region.INTERNATIONAL])[0])
for user in (student, clerk):
    user.set_password({password!r})
    user.save()
print(program.pk, student.username, clerk.username)
"""


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def cluster(smtp):
    try:
        running = cluster_stack.Stack(nodes=2, node_workers=2)
    except portal.Unavailable as reason:
        pytest.skip(str(reason))
    try:
        running.start(smtp_port=smtp.port)
        yield running
    finally:
        running.stop()


class Browser(portal.Browser):
    """One student's (or clerk's) browser, with the cluster's password."""

    def __init__(self):
        super().__init__(PASSWORD)

    def form(self, port, path):
        """The application form's fields as the page shows them (no files, no buttons)."""
        page = self.send(port, "GET", path)
        assert page.status == 200, page.status
        assert 'name="password"' not in page.text, "signed out"
        parser = FormFields("application-form")
        parser.feed(page.text)
        return dict(parser.fields), page


def too_large(port, path, cookies):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(200 * 1024 * 1024))
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def pdf_bytes(pages):
    buffer = io.BytesIO()
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return buffer.getvalue()


def test_a_journey_across_two_nodes_survives_one_dying(cluster, smtp):
    node_a, node_b = cluster.nodes
    edge = cluster.nginx_port
    program, username, clerk_name = cluster.django(SEED.format(password=PASSWORD)).split()

    # The replica streams from the primary.
    assert cluster.sql(cluster.primary, "SELECT state FROM pg_stat_replication") == [("streaming",)]

    student = Browser()
    student.sign_in(edge, username)
    started = student.send(edge, "POST", f"/programs/{program}/apply/")
    assert started.status == 302, started.text[:2000]
    pk = re.search(r"/applications/(\d+)/edit/", started.headers["Location"]).group(1)
    edit = f"/applications/{pk}/edit/"

    # nginx balances the two nodes, and the session is good on both.
    served_by = {student.send(edge, "GET", edit).headers["X-Portal-Node"] for _ in range(4)}
    assert served_by == {node_a.address, node_b.address}

    # The draft on node A.
    fields, _ = student.form(node_a.port, edit)
    fields.update(
        name="张晓明", name_en="Zhang Xiaoming", gender="male", school="计算机学院",
        major="集群专业", degree_level="undergraduate", enrollment_year="2023",
        phone="13800000000", email="traveller@example.edu", has_passport="False",
        action="save",
    )  # fmt: skip
    saved = student.send(node_a.port, "POST", edit, fields=fields)
    assert saved.status == 302 and saved.headers["Location"].endswith(edit), saved.text[:2000]

    # The files on node B.
    transcript, enrollment = pdf_bytes(1), pdf_bytes(2)
    fields, _ = student.form(node_b.port, edit)
    assert fields["major"] == "集群专业"
    uploaded = student.send(
        node_b.port,
        "POST",
        edit,
        fields={**fields, "action": "save"},
        files={
            "transcript": ("成绩单.pdf", transcript),
            "enrollment": ("在读证明.pdf", enrollment),
        },
    )
    assert uploaded.status == 302, uploaded.text[:3000]
    # A body over the largest form is refused by nginx from its headers alone.
    assert too_large(edge, edit, student.cookies) == 413

    # Node B crashes.
    node_b.kill()

    # Through nginx: still signed in, on node A only, with the files node B received.
    answers = [student.send(edge, "GET", edit) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert all(node_a.address in a.headers["X-Portal-Node"] for a in answers)
    assert "成绩单.pdf" in answers[-1].text and "在读证明.pdf" in answers[-1].text
    links = re.findall(rf"/applications/{pk}/attachments/\d+/", answers[-1].text)
    downloads = {student.send(edge, "GET", link).body for link in set(links)}
    assert downloads == {transcript, enrollment}

    # Submitted through nginx (a POST to the dead node is refused at connect, then sent
    # to node A), and the printable form downloaded: the one the worker rendered.
    fields, _ = student.form(edge, edit)
    submitted = student.send(edge, "POST", edit, fields={**fields, "action": "submit"})
    assert submitted.status == 302, submitted.text[:3000]
    assert submitted.headers["Location"].endswith(f"/applications/{pk}/")
    warmed = cluster_stack.wait_for(
        "the worker warms the PDF", lambda: cluster.bucket_keys(f"pdf-cache/{pk}/")
    )
    assert "warm_pdf" in cluster.worker.output()
    pdf = student.send(edge, "GET", f"/applications/{pk}/form.pdf")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    assert pdf.body == cluster.bucket_object(next(iter(warmed)))

    # The files live in the bucket, not on any node.
    sizes = sorted(
        size for key, size in cluster.bucket_keys().items() if not key.startswith("pdf-cache/")
    )
    assert sizes == sorted([len(transcript), len(enrollment)])
    assert cluster.media_files() == []

    # The replica has the rows.
    def replicated():
        rows = cluster.sql(
            cluster.replica,
            "SELECT a.status, count(f.id) FROM applications_application a "
            "LEFT JOIN attachments_attachment f ON f.application_id = a.id "
            "WHERE a.id = %s GROUP BY a.status",
            int(pk),
        )
        return rows == [("submitted", 2)]

    cluster_stack.wait_for("the replica has the submitted application", replicated)

    # A clerk approves through nginx; the worker sends the email.
    clerk = Browser()
    clerk.sign_in(edge, clerk_name, login="/admin/login/")
    review = f"/admin/applications/application/{pk}/review/approve/"
    approved = clerk.send(
        edge,
        "POST",
        review,
        fields={"comment": "欢迎", "csrfmiddlewaretoken": clerk.cookies["csrftoken"]},
    )
    assert approved.status == 302, approved.text[:3000]
    mail = cluster_stack.wait_for(
        "the worker mails the decision",
        lambda: [m for to, m in smtp.messages if "traveller@example.edu" in to],
    )
    assert len(mail) == 1
    assert "send_decision_email" in cluster.worker.output()

    # Nothing an app node keeps mattered: still signed in, after all that.
    home = student.send(edge, "GET", "/applications/")
    assert home.status == 200 and 'name="password"' not in home.text
