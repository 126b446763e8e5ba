"""Emails and PDF warming are Celery tasks, enqueued with ids when the request's transaction
commits. Here they run eagerly (no broker: a single server's default and the unit suite's),
through the real views; tests/tasks runs them in a real worker.

Transactional tests, so that the tasks run on commit inside the request, as they do there.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from apps.applications import pdf, services
from apps.applications.models import Application, Status
from apps.applications.tasks import warm_pdf
from apps.core import queue
from apps.core.storage import PrivateFileSystemStorage
from exchange_portal.celery import app as celery_app
from tests.builders import office_admin
from tests.factories import StudentProfileFactory
from tests.smtp_server import SmtpServer, closed_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_to(settings):
    def point_at(server):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 2

    return point_at


def approve_in_admin(clerk, application):
    client = Client()
    client.force_login(clerk)
    url = reverse("admin:applications_application_review", args=[application.pk, "approve"])
    return client.post(url, {"comment": ""})


@pytest.fixture
def renders(monkeypatch):
    """Every WeasyPrint render, counted."""
    done = []
    real_render = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a: done.append(1) or real_render(*a))
    return done


@pytest.fixture
def signed_in(student):
    client = Client()
    client.force_login(student)
    return client


def cached_forms(media, application):
    folder = media / pdf.CACHE_DIR / str(application.pk)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# --- Emails ---------------------------------------------------------------------------------


def test_a_review_in_admin_emails_the_student_after_the_decision_is_committed(
    make_submitted, clerk, smtp_to
):
    application = make_submitted()
    status_when_sent = []
    with SmtpServer() as server:
        smtp_to(server)
        real_deliver = server_status_probe(application, status_when_sent)
        response = approve_in_admin(clerk, application)
        real_deliver.undo()

    assert response.status_code == 302
    [(recipients, message)] = server.messages
    assert recipients == [application.email]
    assert "审核通过" in message["Subject"]
    assert status_when_sent == [Status.APPROVED], "read by the task from the committed row"


def server_status_probe(application, seen):
    """Records the application's status as another connection sees it when the mail goes."""
    import apps.applications.notifications as notifications

    patch = pytest.MonkeyPatch()
    real_send_mail = notifications.send_mail

    def send_mail(*args, **kwargs):
        seen.append(Application.objects.values_list("status", flat=True).get(pk=application.pk))
        return real_send_mail(*args, **kwargs)

    patch.setattr(notifications, "send_mail", send_mail)
    return patch


def test_a_busy_mail_server_is_retried_and_a_later_success_delivers_one_email(
    make_submitted, clerk, smtp_to, caplog
):
    application = make_submitted()
    with SmtpServer(busy_for=2) as server, caplog.at_level(logging.INFO):
        smtp_to(server)
        response = approve_in_admin(clerk, application)

    assert response.status_code == 302
    assert server.connections == 3, "two refusals (421), then the send"
    [(recipients, _message)] = server.messages
    assert recipients == [application.email]
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2
    assert "Could not email" not in caplog.text


def test_a_mail_server_busy_past_every_retry_is_logged_once_without_personal_data(
    make_submitted, clerk, smtp_to, caplog, settings
):
    application = make_submitted()
    with SmtpServer(busy_for=100) as server, caplog.at_level(logging.INFO):
        smtp_to(server)
        response = approve_in_admin(clerk, application)

    assert response.status_code == 302
    assert server.connections == 1 + settings.TASK_MAX_RETRIES, "bounded"
    assert server.messages == []
    [failure] = [r for r in caplog.records if r.getMessage().startswith("Could not email")]
    assert f"application {application.pk} (decision): SMTPConnectError 421" in failure.getMessage()
    for private in [application.email, application.name, application.student.username]:
        assert private not in caplog.text
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_a_broker_that_is_down_never_fails_the_request(make_submitted, clerk, caplog):
    """With a broker configured and unreachable, the decision stands and the lost email
    is logged (by task and application number) for the office to follow up."""
    application = make_submitted()
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    drop_connection_pools()
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{closed_port()}/0", False
    try:
        with caplog.at_level(logging.ERROR):
            response = approve_in_admin(clerk, application)
    finally:
        drop_connection_pools()
        conf.broker_url, conf.task_always_eager = saved

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert "Could not queue apps.applications.tasks.send_decision_email" in caplog.text


def drop_connection_pools():
    """Celery keeps its broker connection pool per process: forget it with the broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# --- The PDF cache ------------------------------------------------------------------------


@pytest.fixture
def worker(monkeypatch):
    """A broker and a worker: what is published is kept, and `run()` executes it, as a
    worker does after the request has answered."""

    class Worker:
        def __init__(self):
            self.queued = []

        def run(self):
            while self.queued:
                task, ids = self.queued.pop(0)
                task.apply(args=ids)

    worker = Worker()
    monkeypatch.setattr(queue, "_publish", lambda task, ids: worker.queued.append((task, ids)))
    celery_app.conf.task_always_eager = False
    yield worker
    celery_app.conf.task_always_eager = True  # as tests/conftest.py has it


def submit(client, application):
    return client.post(reverse("applications:edit", args=[application.pk]), {"action": "submit"})


def download(client, application):
    response = client.get(reverse("applications:pdf", args=[application.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_without_a_worker_submitting_renders_nothing_the_first_download_renders(
    signed_in, make_draft, media, renders
):
    """No broker (the embedded default): the form is not rendered inside 提交's request,
    nor after it in the same worker; the student's first 下载申请表 renders it once."""
    application = make_draft()

    response = submit(signed_in, application)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert renders == [] and cached_forms(media, application) == []
    download(signed_in, application)
    download(signed_in, application)
    assert len(renders) == 1, "rendered by the first download, cached for the next"


def test_without_a_worker_a_score_supplement_renders_nothing(
    signed_in, make_submitted, media, renders
):
    application = make_submitted()  # submitted without a score: 待补录

    response = signed_in.post(
        reverse("scores:supplement", args=[application.pk]),
        {"language_test": "ielts", "language_score": "7"},
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.language_score is not None
    assert renders == [] and cached_forms(media, application) == []


def test_a_submission_is_rendered_by_the_worker_and_the_download_does_not_render(
    signed_in, make_draft, media, renders, worker
):
    application = make_draft()

    assert submit(signed_in, application).status_code == 302
    assert renders == [], "published for the worker, not rendered in the request"
    worker.run()

    assert len(renders) == 1
    application.refresh_from_db()
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    download(signed_in, application)
    assert len(renders) == 1, "the student's first download was a cached one"


def test_a_resubmission_renders_the_new_version(signed_in, make_submitted, media, renders, worker):
    application = make_submitted()
    services.return_application(application=application, actor=office_admin(), comment="补充")
    worker.run()
    renders.clear()

    submit(signed_in, application)
    worker.run()

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    download(signed_in, application)
    assert len(renders) == 1


def test_a_score_supplement_renders_the_form_with_the_score(
    signed_in, make_submitted, media, renders, worker
):
    application = make_submitted()  # submitted without a score: 待补录
    worker.run()
    renders.clear()

    response = signed_in.post(
        reverse("scores:supplement", args=[application.pk]),
        {"language_test": "ielts", "language_score": "7"},
    )
    assert response.status_code == 302
    assert renders == []
    worker.run()

    assert len(renders) == 1
    application.refresh_from_db()
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    download(signed_in, application)
    assert len(renders) == 1


def _decide_in_admin(decision):
    def decide(application, clerk):
        client = Client()
        client.force_login(clerk)
        url = reverse("admin:applications_application_review", args=[application.pk, decision])
        assert client.post(url, {"comment": "材料齐全" if decision == "approve" else "不符合"})

    return decide


def _admit(application, clerk):
    application = services.approve_application(application=application, actor=clerk)
    services.set_admission_result(application=application, result="admitted", actor=clerk)


@pytest.mark.parametrize(
    "change",
    [_decide_in_admin("approve"), _decide_in_admin("reject"), _admit],
    ids=["approved", "rejected", "admission-result"],
)
def test_every_change_to_the_printed_form_is_rendered_again_by_the_worker(
    change, signed_in, make_submitted, clerk, media, renders, worker
):
    """A decision or a result gives the form a new version (the cache key moves on): the
    worker renders it, so the first download after it is a cached one."""
    application = make_submitted()
    worker.run()
    before = cached_forms(media, application)
    renders.clear()

    change(application, clerk)
    assert renders == []
    worker.run()

    application.refresh_from_db()
    assert len(renders) == 1
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    assert cached_forms(media, application) != before
    download(signed_in, application)
    assert len(renders) == 1, "the first download after the change was a cached one"


def test_a_superusers_correction_in_admin_is_rendered_again_by_the_worker(
    signed_in, make_submitted, superuser, media, renders, worker
):
    application = make_submitted()
    worker.run()
    renders.clear()
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:applications_application_change", args=[application.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data |= {"name": "更正后的姓名", "has_passport": "false"}
    data |= {f"events-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}

    assert client.post(url, data).status_code == 302
    worker.run()

    application.refresh_from_db()
    assert application.name == "更正后的姓名"
    assert len(renders) == 1
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    download(signed_in, application)
    assert len(renders) == 1


def test_the_form_is_rendered_in_the_students_language(make_draft, student, media, renders, worker):
    profile = student.profile
    profile.language = "en"
    profile.save()
    application = make_draft()
    client = Client()
    client.force_login(student)
    client.cookies["django_language"] = "en"

    submit(client, application)
    worker.run()
    download(client, application)

    assert len(renders) == 1, "warmed in English, downloaded in English"


def test_warming_again_renders_nothing_more(make_submitted, media, renders, worker):
    application = make_submitted()
    worker.run()
    assert len(renders) == 1, "warmed after the submission"

    warm_pdf.apply(args=[application.pk])
    warm_pdf.apply(args=[application.pk])

    assert len(renders) == 1
    application.refresh_from_db()
    assert len(cached_forms(media, application)) == 1


def test_a_withdrawn_application_is_not_rendered(make_submitted, media, renders, worker):
    application = make_submitted()
    services.withdraw_application(application=application, user=application.student)
    worker.run()
    renders.clear()

    warm_pdf.apply(args=[application.pk])

    assert renders == []


def test_a_storage_that_refuses_the_form_never_fails_the_submission(
    signed_in, make_draft, monkeypatch, caplog, worker
):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    application = make_draft()
    monkeypatch.setattr(PrivateFileSystemStorage, "save", disk_full)

    with caplog.at_level(logging.ERROR):
        response = submit(signed_in, application)
        worker.run()

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert f"The form of application {application.pk} was not rendered ahead" in caplog.text
    download = signed_in.get(reverse("applications:pdf", args=[application.pk]))
    assert download.status_code == 200, "rendered on download instead"


def test_a_corrected_program_has_its_forms_rendered_again_by_the_worker(
    signed_in, make_submitted, make_draft, media, renders, worker
):
    application = make_submitted()
    program = application.program
    make_submitted(program=program, owner=StudentProfileFactory().user)
    make_draft(program=program, owner=StudentProfileFactory().user)  # a draft has no form
    worker.run()
    renders.clear()

    program.title = "东京大学交换项目（更正）"
    program.save()
    worker.run()

    application.refresh_from_db()
    assert len(renders) == 2, "the two submitted forms of the program, not the draft"
    assert cached_forms(media, application) == [pdf.cache_name(application).rsplit("/", 1)[1]]
    download(signed_in, application)
    assert len(renders) == 2
