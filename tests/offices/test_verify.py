"""核验申请表: staff check a signed paper form against what was submitted online."""

import pytest
from django.urls import reverse

from apps.applications import services
from apps.applications.models import Application, Status
from apps.programs.models import Region
from tests.builders import clerk
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

URL = reverse("applications:verify")


def check(client, application, code=None):
    code = application.verification_code if code is None else code
    return client.get(URL, {"number": application.number, "code": code})


def test_the_office_sees_what_was_submitted_for_a_matching_code(client, make_submitted):
    application = make_submitted()
    client.force_login(clerk(Region.INTERNATIONAL))

    response = check(client, application)

    assert response.status_code == 200
    assert response.context["application"] == application
    page = response.text
    assert "校验码正确" in page
    assert "张晓明" in page and "软件工程" in page
    assert reverse("applications:pdf", args=[application.pk]) in page


def test_the_code_may_be_typed_in_lower_case_without_the_dash(client, make_submitted):
    application = make_submitted()
    client.force_login(clerk(Region.INTERNATIONAL))

    typed = application.verification_code.replace("-", "").lower()
    assert check(client, application, code=f" {typed} ").context["application"] == application


def test_a_wrong_code_shows_an_error_and_no_data(client, make_submitted):
    application = make_submitted()
    client.force_login(clerk(Region.INTERNATIONAL))

    response = check(client, application, code="AAAA-AAAA")

    assert response.context["application"] is None
    assert "申请编号与校验码不符" in response.text
    assert "张晓明" not in response.text


def test_a_form_printed_before_a_resubmission_no_longer_matches(client, make_submitted, student):
    application = make_submitted()
    old_code = application.verification_code
    Application.objects.filter(pk=application.pk).update(status=Status.RETURNED)
    services.submit_application(application=application, user=student)
    application.refresh_from_db()
    client.force_login(clerk(Region.INTERNATIONAL))

    assert application.verification_code != old_code
    assert check(client, application, code=old_code).context["application"] is None
    assert check(client, application).context["application"] == application


def test_the_other_office_cannot_verify_and_learns_nothing(client, make_submitted):
    application = make_submitted()
    client.force_login(clerk(Region.HMT))

    response = check(client, application)

    assert response.context["application"] is None
    assert "张晓明" not in response.text


def test_a_hmt_form_is_verified_by_the_hmt_office(client, make_submitted):
    application = make_submitted(program=ProgramFactory(region=Region.HMT))
    client.force_login(clerk(Region.HMT))

    assert check(client, application).context["application"] == application


def test_students_may_not_use_the_verification_page(client, make_submitted, student):
    application = make_submitted()
    client.force_login(student)

    assert check(client, application).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, make_submitted):
    response = check(client, make_submitted())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("number", ["abc", "0", "-5", "99999999999999"])
def test_a_malformed_number_is_a_form_error(client, number):
    client.force_login(clerk(Region.INTERNATIONAL))

    response = client.get(URL, {"number": number, "code": "ABCD-EFGH"})

    assert response.status_code == 200
    assert response.context["form"].errors["number"]
    assert response.context["application"] is None


def test_drafts_cannot_be_verified(client, make_draft):
    draft = make_draft()
    Application.objects.filter(pk=draft.pk).update(submitted_at="2026-01-01T00:00:00Z")
    draft.refresh_from_db()
    client.force_login(clerk(Region.INTERNATIONAL, superuser=True))

    assert check(client, draft).context["application"] is None


def test_the_page_has_the_admins_look_the_offices_name_and_a_link_to_the_record(
    client, make_submitted
):
    application = make_submitted(program=ProgramFactory(region=Region.HMT))
    office = clerk(Region.HMT)
    client.force_login(office)

    response = check(client, application)

    page = response.text
    assert 'id="site-name"' in page and "交换项目管理后台" in page  # the admin's header
    assert 'class="navbar' not in page  # not the student's header
    assert "港澳台事务办公室" in page and office.get_username() not in page
    admin_url = reverse("admin:applications_application_change", args=[application.pk])
    assert f'href="{admin_url}"' in page
    assert '<link rel="icon"' in page
