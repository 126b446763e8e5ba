"""撤销审核 / 撤销录取结果 in admin: the button only for who may, a page that names what is
taken back and insists on a reason, then the service."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.applications.models import AdmissionResult, Status

pytestmark = pytest.mark.django_db

REASON = "审核时看错了成绩单。"


def url(name, application):
    return reverse(f"admin:applications_application_{name}", args=[application.pk])


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_office_head_sees_the_button_and_reverts_with_a_reason(
    client, office_head, make_approved
):
    application = make_approved(name="钱多多")
    client = signed_in(client, office_head)
    page = client.get(url("change", application))
    assert url("revert_review", application) in page.text
    assert url("revert_admission", application) not in page.text

    form = client.get(url("revert_review", application))
    assert form.status_code == 200
    for shown in ("钱多多", application.student.username, application.program.title, "审核通过"):
        assert shown in form.text
    assert 'name="reason"' in form.text and "required" in form.text

    refused = client.post(url("revert_review", application), {"reason": "  "})
    assert refused.status_code == 200 and "请填写撤销原因" in refused.text
    assert 'aria-invalid="true"' in refused.text
    application.refresh_from_db()
    assert application.status == Status.APPROVED

    done = client.post(url("revert_review", application), {"reason": REASON})
    assert done.status_code == 302 and done["Location"] == url("change", application)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert any("已恢复为「待审核」" in str(m) for m in get_messages(done.wsgi_request))
    page = client.get(url("change", application))
    assert REASON in page.text, "the reason is in the status history on the page"


def test_a_clerk_sees_no_revert_button_and_is_refused(client, clerk, make_approved):
    application = make_approved()
    client = signed_in(client, clerk)
    assert url("revert_review", application) not in client.get(url("change", application)).text
    assert client.get(url("revert_review", application)).status_code == 403
    assert client.post(url("revert_review", application), {"reason": REASON}).status_code == 403
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_no_revert_button_once_a_result_is_entered_and_the_service_says_why(
    client, office_head, make_approved
):
    application = make_approved(admission_result=AdmissionResult.ADMITTED)
    client = signed_in(client, office_head)
    assert url("revert_review", application) not in client.get(url("change", application)).text
    response = client.post(url("revert_review", application), {"reason": REASON})
    assert response.status_code == 200
    assert any("已录入录取结果" in str(m) for m in get_messages(response.wsgi_request))
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_the_administrator_reverts_a_result(client, superuser, make_approved):
    application = make_approved(admission_result=AdmissionResult.NOT_ADMITTED)
    client = signed_in(client, superuser)
    page = client.get(url("change", application))
    assert url("revert_admission", application) in page.text
    assert url("revert_review", application) not in page.text, "the result comes first"

    response = client.post(url("revert_admission", application), {"reason": REASON})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.admission_result == AdmissionResult.PENDING
    # Now the review may be reverted as well.
    assert url("revert_review", application) in client.get(url("change", application)).text


def test_an_office_head_cannot_revert_a_result(client, office_head, make_approved):
    application = make_approved(admission_result=AdmissionResult.ADMITTED)
    client = signed_in(client, office_head)
    assert client.get(url("revert_admission", application)).status_code == 403
    assert client.post(url("revert_admission", application), {"reason": REASON}).status_code == 403


def test_the_revert_pages_are_complete_in_english(client, office_head, make_approved):
    import re

    application = make_approved(name="Li")
    client = signed_in(client, office_head)
    client.cookies["django_language"] = "en"
    page = client.get(url("revert_review", application))
    body = page.text.replace(application.program.title, "")
    body = body.replace(application.program.partner, "")
    assert "Reason for the revert" in body
    han = re.compile(r"[\u4e00-\u9fff]+")
    main = body[body.index('id="content-main"') :]
    assert not han.findall(main), han.findall(main)
