"""填写交流总结: admitted applications only, track words, dates, files, submit once."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import AdmissionResult, EventKind
from apps.attachments.models import AttachmentKind
from apps.programs.models import Region
from apps.summaries.models import ReturnSummary
from tests.factories import ProgramFactory, UserFactory
from tests.samples import docx_bytes, ole2_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def finished_program(region=Region.INTERNATIONAL):
    """Open for applications now (so the builders can submit) but already run: the dates
    of a program are independent of its application window."""
    return ProgramFactory(
        region=region,
        start_date=TODAY() - timedelta(days=150),
        end_date=TODAY() - timedelta(days=20),
    )


@pytest.fixture
def admitted(make_admitted):
    return make_admitted(program=finished_program())


def url(application):
    return reverse("summaries:edit", args=[application.pk])


def detail(application):
    return reverse("applications:detail", args=[application.pk])


def last_message(response):
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def save(client, application, action="save", files=(), **data):
    payload = {"return_date": (TODAY() - timedelta(days=10)).isoformat(), "action": action}
    payload |= data
    if files:
        payload[AttachmentKind.SUMMARY] = list(files)
    return client.post(url(application), payload)


# --- Who sees the button --------------------------------------------------------------


def test_an_admitted_application_offers_填写交流总结(student_client, admitted):
    for page in [detail(admitted), reverse("applications:list")]:
        assert url(admitted) in student_client.get(page).text


@pytest.mark.parametrize(
    "result", [AdmissionResult.PENDING, AdmissionResult.NOT_ADMITTED], ids=["pending", "not"]
)
def test_before_admission_there_is_no_summary(student_client, make_approved, result):
    application = make_approved(admission_result=result, program=finished_program())

    assert url(application) not in student_client.get(detail(application)).text
    response = student_client.get(url(application))
    assert response.status_code == 302
    assert last_message(response) == "只有被录取的申请才能填写交流总结。"
    assert save(student_client, application).status_code == 302
    assert not ReturnSummary.objects.exists()


def test_a_submitted_application_has_no_summary(student_client, make_submitted):
    application = make_submitted(program=finished_program())

    assert save(student_client, application).status_code == 302
    assert not ReturnSummary.objects.exists()


# --- Only once the exchange has begun ---------------------------------------------------


@pytest.fixture
def admitted_before_start(make_admitted):
    """Admitted to a program that starts next spring: no return date can exist yet."""
    start = TODAY() + timedelta(days=120)
    return make_admitted(
        program=ProgramFactory(start_date=start, end_date=start + timedelta(days=90))
    )


def test_before_the_program_starts_no_page_offers_the_summary(
    student_client, admitted_before_start
):
    application = admitted_before_start
    start = application.program.start_date.isoformat()

    assert url(application) not in student_client.get(reverse("applications:list")).text
    page = student_client.get(detail(application)).text
    assert url(application) not in page
    assert f"交流总结将于 {start}（项目开始日期）起开放填写" in page


def test_before_the_program_starts_the_summary_page_refuses_and_says_from_when(
    student_client, admitted_before_start
):
    application = admitted_before_start
    start = application.program.start_date.isoformat()
    opens = f"交流总结从项目开始日期（{start}）起可以填写。"

    response = student_client.get(url(application))
    assert (response.status_code, response.url) == (302, detail(application))
    assert last_message(response) == opens
    response = save(student_client, application, action="submit", return_date=start)
    assert (response.status_code, last_message(response)) == (302, opens)
    assert not ReturnSummary.objects.exists()


def test_before_the_program_starts_the_services_refuse_the_summary(student, admitted_before_start):
    from apps.applications.services import ApplicationError
    from apps.summaries.services import save_summary, submit_summary

    for attempt in (
        lambda: save_summary(application=admitted_before_start, user=student, changes={}),
        lambda: submit_summary(application=admitted_before_start, user=student),
    ):
        with pytest.raises(ApplicationError, match="交流总结从项目开始日期"):
            attempt()
    assert not ReturnSummary.objects.exists()


def test_the_summary_opens_on_the_programs_first_day(
    student_client, student, admitted_before_start
):
    application = admitted_before_start
    start = application.program.start_date
    list_url = reverse("applications:list")
    zone = timezone.get_current_timezone()

    # The evening before: not yet (and the list's table and the details' head are now in
    # the cache).
    with time_machine.travel(datetime.combine(start, time(23, 30), zone) - timedelta(days=1)):
        student_client.force_login(student)
        assert url(application) not in student_client.get(list_url).text
        assert "交流总结将于" in student_client.get(detail(application)).text
    # Forty minutes later it is the first day: offered, though no row changed.
    with time_machine.travel(datetime.combine(start, time(0, 10), zone)):
        assert url(application) in student_client.get(list_url).text
        page = student_client.get(detail(application)).text
        assert url(application) in page and "交流总结将于" not in page
        assert save(student_client, application, return_date=start.isoformat()).status_code == 302
    assert ReturnSummary.objects.get(application=application).return_date == start


def test_another_students_summary_is_404(client, admitted):
    client.force_login(UserFactory())

    assert client.get(url(admitted)).status_code == 404
    assert save(client, admitted).status_code == 404


# --- The words of each track ----------------------------------------------------------


@pytest.mark.parametrize(
    "region, words, other_words",
    [
        (Region.INTERNATIONAL, ["回国时间", "回国总结附件"], ["返境时间", "交流总结附件"]),
        (Region.HMT, ["返境时间", "交流总结附件"], ["回国时间", "回国总结附件"]),
    ],
)
def test_each_track_uses_its_own_words(student_client, make_admitted, region, words, other_words):
    application = make_admitted(program=finished_program(region))

    page = student_client.get(url(application)).text

    for word in words:
        assert word in page
    for word in other_words:
        assert word not in page


# --- Saving and submitting ------------------------------------------------------------


def test_saving_keeps_the_date_and_files_to_come_back_to(student_client, admitted):
    response = save(student_client, admitted, files=[upload(docx_bytes(), "回国总结.docx")])

    assert response.status_code == 302
    assert last_message(response) == "交流总结已保存，确认无误后请点击「提交」。"
    summary = ReturnSummary.objects.get(application=admitted)
    assert summary.return_date == TODAY() - timedelta(days=10)
    assert not summary.is_submitted
    page = student_client.get(url(admitted)).text
    assert "回国总结.docx" in page
    assert (TODAY() - timedelta(days=10)).isoformat() in page


def test_a_file_can_be_removed_before_submitting(student_client, admitted):
    save(student_client, admitted, files=[upload(pdf_bytes(), "总结.pdf")])
    attachment = admitted.attachments.get(kind=AttachmentKind.SUMMARY)

    student_client.post(url(admitted), {"remove": attachment.pk, "return_date": ""})

    assert not admitted.attachments.filter(kind=AttachmentKind.SUMMARY).exists()


def test_submitting_a_complete_summary_makes_it_read_only(student_client, student, admitted):
    save(student_client, admitted, files=[upload(pdf_bytes(), "总结.pdf")])

    response = save(student_client, admitted, action="submit")

    assert response.status_code == 302
    assert response["Location"] == detail(admitted)
    summary = ReturnSummary.objects.get(application=admitted)
    assert summary.is_submitted
    event = admitted.events.get(kind=EventKind.SUMMARY)
    assert (event.actor, event.headline) == (student, "交流总结：已提交")
    page = student_client.get(url(admitted)).text
    assert "不能再修改" in page and 'type="file"' not in page
    details = student_client.get(detail(admitted)).text
    assert "查看交流总结" in details and "总结.pdf" in details


def test_a_submitted_summary_cannot_be_changed(student_client, admitted):
    save(student_client, admitted, files=[upload(pdf_bytes(), "总结.pdf")])
    save(student_client, admitted, action="submit")

    response = save(
        student_client,
        admitted,
        return_date=(TODAY() - timedelta(days=1)).isoformat(),
        files=[upload(pdf_bytes(), "另一份.pdf")],
    )

    assert "不能再修改" in last_message(response)
    summary = ReturnSummary.objects.get(application=admitted)
    assert summary.return_date == TODAY() - timedelta(days=10)
    assert admitted.attachments.filter(kind=AttachmentKind.SUMMARY).count() == 1


def test_submitting_without_a_file_names_what_is_missing_and_keeps_the_date(
    student_client, admitted
):
    response = save(student_client, admitted, action="submit")

    assert response.status_code == 200
    assert "请上传回国总结附件。" in response.context["files_form"].errors[AttachmentKind.SUMMARY]
    summary = ReturnSummary.objects.get(application=admitted)
    assert summary.return_date == TODAY() - timedelta(days=10)
    assert not summary.is_submitted


def test_submitting_without_a_date_names_it(student_client, admitted):
    response = save(
        student_client, admitted, action="submit", return_date="", files=[upload(pdf_bytes())]
    )

    assert response.context["form"].errors["return_date"] == ["请填写回国时间。"]
    assert not ReturnSummary.objects.get(application=admitted).is_submitted


@pytest.mark.parametrize(
    "day, message",
    [
        (lambda: TODAY() + timedelta(days=1), "回国时间不能晚于今天。"),
        (lambda: TODAY() - timedelta(days=151), "回国时间不能早于项目开始日期"),
    ],
    ids=["future", "before-start"],
)
def test_an_impossible_date_is_refused_and_the_file_still_saved(
    student_client, admitted, day, message
):
    response = save(
        student_client, admitted, return_date=day().isoformat(), files=[upload(pdf_bytes())]
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors["return_date"][0]
    summary = ReturnSummary.objects.get(application=admitted)
    assert summary.return_date is None
    assert admitted.attachments.filter(kind=AttachmentKind.SUMMARY).count() == 1


def test_the_hmt_track_says_返境时间_in_its_errors(student_client, make_admitted):
    application = make_admitted(program=finished_program(Region.HMT))

    response = save(
        student_client, application, return_date=(TODAY() + timedelta(days=3)).isoformat()
    )

    assert response.context["form"].errors["return_date"] == ["返境时间不能晚于今天。"]


def test_a_legacy_word_file_is_refused_by_name(student_client, admitted):
    response = save(student_client, admitted, files=[upload(ole2_bytes(), "总结.doc")])

    errors = response.context["files_form"].errors[AttachmentKind.SUMMARY]
    assert errors[0].startswith("「总结.doc」未上传：")
    assert not admitted.attachments.filter(kind=AttachmentKind.SUMMARY).exists()


def test_the_office_sees_the_submitted_summary_on_the_applications_page(
    client, student_client, admitted, clerk
):
    save(student_client, admitted, files=[upload(pdf_bytes(), "总结.pdf")])
    save(student_client, admitted, action="submit")
    client.force_login(clerk)

    page = client.get(reverse("admin:applications_application_change", args=[admitted.pk])).text

    assert "交流总结" in page
    assert f"回国时间：{(TODAY() - timedelta(days=10)).isoformat()}" in page
    assert "总结.pdf" in page and "已于" in page
