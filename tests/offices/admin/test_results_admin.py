"""The result pages and actions in admin, for everyone who might ask."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.applications.models import AdmissionResult, Application, EventKind, Status
from apps.programs.models import Region
from tests.core.test_language import HAN
from tests.factories import ProgramFactory, UserFactory
from tests.offices.admin.conftest import WHO

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:applications_application_changelist")
IMPORT = reverse("admin:applications_application_admission_import")
CONFIRM = reverse("admin:applications_application_admission_confirm")
TEMPLATE = reverse("admin:applications_application_admission_template")


def result_file(*applications, result="录取"):
    lines = ["学号,项目编号,项目,录取结果"] + [
        f"{a.student.username},{a.program_id},{a.program.title},{result}" for a in applications
    ]
    return SimpleUploadedFile("结果.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def admin_login_redirect(response):
    return response.status_code == 302 and response.url.startswith(reverse("admin:login"))


# --- import: upload, preview, confirm -----------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_import_through_preview_and_confirm_by_each_kind_of_user(login, make_approved, who):
    application = make_approved(region=Region.INTERNATIONAL)
    client = login(who)

    page = client.get(IMPORT)
    preview = client.post(IMPORT, {"file": result_file(application)})

    if who in ("anonymous", "student"):
        assert admin_login_redirect(page) and admin_login_redirect(preview)
        return
    assert page.status_code == 200 and "上传并预览" in page.text
    assert preview.status_code == 200
    token = preview.context["token"]
    if who == "other_clerk":
        assert "不在你负责的范围内" in preview.text
        assert "确认导入（" not in preview.text
    else:
        assert "待定" in preview.text and "确认导入（1 条）" in preview.text
    confirmed = client.post(CONFIRM, {"token": token})

    application.refresh_from_db()
    if who == "other_clerk":
        assert confirmed.status_code == 200
        assert application.admission_result == AdmissionResult.PENDING
    else:
        assert confirmed.status_code == 302 and confirmed.url == CHANGELIST
        assert application.admission_result == AdmissionResult.ADMITTED
        assert application.events.filter(kind=EventKind.ADMISSION).count() == 1


def test_a_clerk_of_no_office_may_not_import(client, make_approved):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(IMPORT).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_preview_writes_nothing_and_an_unreadable_file_says_why(admin_client, make_approved):
    application = make_approved()
    admin_client.post(IMPORT, {"file": result_file(application)})
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING

    response = admin_client.post(IMPORT, {"file": SimpleUploadedFile("a.csv", b"")})
    assert response.status_code == 200
    assert "文件是空的" in response.text


def test_confirm_after_the_database_changed_writes_nothing_and_shows_why(
    admin_client, make_approved
):
    first, second = make_approved(), make_approved()
    preview = admin_client.post(IMPORT, {"file": result_file(first, second)})
    Application.objects.filter(pk=second.pk).update(status=Status.REJECTED)

    response = admin_client.post(CONFIRM, {"token": preview.context["token"]})

    assert response.status_code == 200
    assert "未写入任何录取结果" in response.text
    assert "该申请为「审核不通过」" in response.text
    first.refresh_from_db()
    assert first.admission_result == AdmissionResult.PENDING


def test_confirm_refuses_a_forged_or_borrowed_token(
    admin_client, client, make_approved, make_clerk
):
    application = make_approved()
    preview = admin_client.post(IMPORT, {"file": result_file(application)})
    token = preview.context["token"]

    forged = admin_client.post(CONFIRM, {"token": token[:-2] + "xx"}, follow=True)
    assert "预览已过期或无效" in forged.text

    client.force_login(make_clerk(Region.INTERNATIONAL))
    borrowed = client.post(CONFIRM, {"token": token}, follow=True)
    assert "预览已过期或无效" in borrowed.text
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING


def test_confirm_is_post_only(admin_client):
    assert admin_client.get(CONFIRM).status_code == 405


@pytest.mark.parametrize("who", WHO)
def test_blank_template_download(login, who):
    response = login(who).get(TEMPLATE)
    if who in ("anonymous", "student"):
        assert admin_login_redirect(response)
    else:
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").startswith("学号,项目编号,项目,录取结果")


# --- one by one: actions and the change page -----------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("action", "result"),
    [
        ("set_admitted", AdmissionResult.ADMITTED),
        ("set_not_admitted", AdmissionResult.NOT_ADMITTED),
    ],
)
def test_result_actions_by_each_kind_of_user(login, make_approved, who, action, result):
    application = make_approved(region=Region.INTERNATIONAL)
    response = login(who).post(
        CHANGELIST, {"action": action, "_selected_action": [application.pk]}, follow=True
    )
    application.refresh_from_db()
    if who in ("anonymous", "student", "other_clerk"):
        assert application.admission_result == AdmissionResult.PENDING
    else:
        assert application.admission_result == result
        assert f"已将 1 条申请设为「{result.label}」" in response.text


def test_result_action_reports_applications_it_could_not_change(
    admin_client, make_approved, make_submitted
):
    approved, submitted = make_approved(), make_submitted()
    response = admin_client.post(
        CHANGELIST,
        {"action": "set_admitted", "_selected_action": [approved.pk, submitted.pk]},
        follow=True,
    )
    assert "已将 1 条申请设为「录取」" in response.text
    assert "1 条申请未能更改" in response.text
    assert submitted.student.username in response.text
    submitted.refresh_from_db()
    assert submitted.admission_result == AdmissionResult.PENDING


@pytest.mark.parametrize("who", WHO)
def test_change_page_result_form_by_each_kind_of_user(login, make_approved, who):
    application = make_approved(region=Region.INTERNATIONAL)
    url = reverse("admin:applications_application_admission_result", args=[application.pk])
    client = login(who)

    page = client.get(url)
    response = client.post(url, {"result": AdmissionResult.NOT_ADMITTED})

    application.refresh_from_db()
    if who in ("anonymous", "student"):
        assert admin_login_redirect(page) and admin_login_redirect(response)
    elif who == "other_clerk":
        assert page.status_code == 404 and response.status_code == 404
    else:
        assert page.status_code == 200 and "保存录取结果" in page.text
        change = reverse("admin:applications_application_change", args=[application.pk])
        assert response.status_code == 302 and response.url == change
        assert application.admission_result == AdmissionResult.NOT_ADMITTED
        return
    assert application.admission_result == AdmissionResult.PENDING


def test_change_page_links_to_the_result_form_only_once_approved(
    admin_client, make_approved, make_submitted
):
    approved, submitted = make_approved(), make_submitted()
    link = "录入录取结果"
    page = admin_client.get(reverse("admin:applications_application_change", args=[approved.pk]))
    assert link in page.text
    assert "admission_result" in page.context["adminform"].readonly_fields
    other = admin_client.get(reverse("admin:applications_application_change", args=[submitted.pk]))
    assert link not in other.text

    url = reverse("admin:applications_application_admission_result", args=[submitted.pk])
    assert "只有审核通过的申请才能录入录取结果" in admin_client.get(url).text


def test_admin_index_and_change_list_link_to_the_new_pages(admin_client, client, make_clerk):
    index = admin_client.get(reverse("admin:index"))
    assert IMPORT in index.text
    assert reverse("admin:applications_application_statistics") in index.text
    changelist = admin_client.get(CHANGELIST)
    for label in ("导入录取结果", "导出 Excel", "导出 CSV", "报名统计"):
        assert label in changelist.text

    viewer = make_clerk(Region.HMT)
    viewer.groups.first().permissions.filter(codename="change_application").delete()
    client.force_login(viewer)
    assert IMPORT not in client.get(reverse("admin:index")).text


def test_result_and_statistics_pages_are_complete_in_english(admin_client, make_approved):
    application = make_approved(
        program=ProgramFactory(title="Tokyo Exchange", partner="U Tokyo"),
        name="Li Lei",
        school="Computer Science",
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload = SimpleUploadedFile(
        "results.csv",
        f"Student ID,Program ID,Admission result\r\n"
        f"{application.student.username},{application.program_id},admitted\r\n"
        f"2099000000000,{application.program_id},admitted\r\n".encode(),
    )
    pages = {
        "import": admin_client.get(IMPORT),
        "preview": admin_client.post(IMPORT, {"file": upload}),
        "result": admin_client.get(
            reverse("admin:applications_application_admission_result", args=[application.pk])
        ),
        "statistics": admin_client.get(reverse("admin:applications_application_statistics")),
    }
    assert "Confirm import" not in pages["preview"].text  # the unknown student is an error
    assert "There is no student with the student ID 2099000000000." in pages["preview"].text
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert not HAN.findall(response.text), (name, HAN.findall(response.text))


def test_change_list_with_the_result_tools_keeps_a_flat_query_count(
    client, make_clerk, make_approved
):
    client.force_login(make_clerk(Region.INTERNATIONAL))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    count()  # the 学院 filter's choices are then cached for minutes (SchoolFilter)
    make_approved()
    with_one = count()
    for _ in range(20):
        make_approved()
    assert count() == with_one


def test_import_page_lists_the_program_ids_of_the_clerks_track(client, make_clerk, make_approved):
    mine = make_approved(region=Region.INTERNATIONAL)
    other = make_approved(region=Region.HMT)
    client.force_login(make_clerk(Region.INTERNATIONAL))
    programs = list(client.get(IMPORT).context["programs"])
    assert programs == [mine.program]
    assert other.program not in programs
