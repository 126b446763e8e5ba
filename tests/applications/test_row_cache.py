"""详情's application row from the cache (apps/applications/row_cache.py): never another
student's, and every change shows at once."""

import pytest
from django.urls import reverse

from apps.applications import services
from tests.builders import clerk
from tests.factories import StudentProfileFactory

pytestmark = pytest.mark.django_db


def detail_url(application):
    return reverse("applications:detail", args=[application.pk])


def test_another_students_number_is_404_even_once_the_owner_has_seen_it(
    client, student_client, make_submitted
):
    application = make_submitted()
    assert student_client.get(detail_url(application)).status_code == 200  # now cached

    client.force_login(StudentProfileFactory().user)
    assert client.get(detail_url(application)).status_code == 404


def test_a_decision_shows_on_a_details_page_already_seen(student_client, make_submitted):
    application = make_submitted()
    assert "审核通过" not in student_client.get(detail_url(application)).text

    services.approve_application(application=application, actor=clerk(application.program.region))

    assert "审核通过" in student_client.get(detail_url(application)).text


def test_a_deleted_draft_is_404_on_a_details_page_already_seen(student, student_client, make_draft):
    application = make_draft()
    assert student_client.get(detail_url(application)).status_code == 200

    services.delete_draft(application=application, user=student)

    assert student_client.get(detail_url(application)).status_code == 404
