"""The history on 详情: students read who acted as 本人 or the office of the program's track,
never a clerk's login name; the office still sees the person in admin."""

import pytest
from django.urls import reverse

from apps.applications import services
from apps.applications.models import AdmissionResult
from apps.programs.models import Region
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

OFFICES = {
    Region.INTERNATIONAL: "国际交流部学生出国事务办公室",
    Region.HMT: "港澳台事务办公室",
}


def timeline(client, application):
    page = client.get(reverse("applications:detail", args=[application.pk])).text
    return page.split('class="timeline', 1)[1].split("</ol>", 1)[0]


@pytest.mark.parametrize("region", [Region.INTERNATIONAL, Region.HMT])
def test_the_student_reads_the_offices_name_not_the_clerks(
    student_client, make_submitted, make_clerk, superuser, region
):
    application = make_submitted(program=ProgramFactory(region=region))
    clerk = make_clerk(region, username="intl_clerk", first_name="王审核")
    services.return_application(application=application, actor=clerk, comment="请补充")
    application = services.submit_application(application=application, user=application.student)
    services.approve_application(application=application, actor=clerk)
    services.set_admission_result(
        application=application, result=AdmissionResult.ADMITTED, actor=superuser
    )

    events = timeline(student_client, application)

    assert events.count(OFFICES[region]) == 3, "退回修改, 审核通过 and 录取 by the office"
    assert events.count("本人") == 3, "创建报名草稿, 提交申请, 修改后重新提交"
    for login_or_name in ("intl_clerk", "王审核", "admin"):
        assert login_or_name not in events
    other_office = OFFICES[Region.HMT if region == Region.INTERNATIONAL else Region.INTERNATIONAL]
    assert other_office not in events


def test_the_office_still_sees_who_acted_in_admin(client, make_submitted, make_clerk):
    application = make_submitted()
    clerk = make_clerk(username="intl_clerk", first_name="王审核")
    services.return_application(application=application, actor=clerk, comment="请补充")

    client.force_login(clerk)
    page = client.get(reverse("admin:applications_application_change", args=[application.pk])).text

    assert "王审核" in page


def test_the_history_reads_no_user_rows(student_client, make_submitted, make_clerk):
    """Whoever acted, the student's timeline needs the application alone: no actor join."""
    application = make_submitted()
    services.return_application(application=application, actor=make_clerk(), comment="x")
    url = reverse("applications:detail", args=[application.pk])

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        student_client.get(url)
    events = [q["sql"].lower() for q in queries if "applicationevent" in q["sql"].lower()]
    assert events and not any("auth_user" in sql for sql in events)


def test_the_decision_email_and_the_notice_name_the_office_too(
    student_client, make_submitted, make_clerk, django_capture_on_commit_callbacks
):
    from django.core import mail

    application = make_submitted(program=ProgramFactory(region=Region.HMT))
    clerk = make_clerk(Region.HMT, username="hmt_clerk", first_name="李审核")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_application(application=application, actor=clerk, comment="请补充")

    [email] = mail.outbox
    home = student_client.get(reverse("programs:home")).text
    for told in (email.subject + email.body, home.split('class="mb-4 notices"', 1)[1]):
        assert "hmt_clerk" not in told and "李审核" not in told
    assert OFFICES[Region.HMT] in email.body
