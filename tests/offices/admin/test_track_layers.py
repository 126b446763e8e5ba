"""The admin's object-permission layer of track scoping, alone.

A clerk reaches a record of the other office through three layers: the list's queryset,
the object lookup (404) and the object permissions (403). The first two stand in front
of the third on every page, so here the ModelAdmins' permission checks are asked
directly about an object of each track, as a page that skipped the lookup would ask.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from apps.applications.models import Application, ApplicationEvent
from apps.attachments.models import Attachment
from apps.core.models import AuditEntry
from apps.programs.models import Program, Region
from tests.builders import clerk

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(make_submitted):
    """One application of each track, with what hangs from it."""
    by_region = {}
    for region in Region:
        application = make_submitted(program=_program(region))
        by_region[region] = {
            Program: application.program,
            Application: application,
            ApplicationEvent: application.events.first(),
            Attachment: application.attachments.first(),
            AuditEntry: AuditEntry.objects.get_for_object(application).first(),
        }
    return by_region


def _program(region):
    from tests.factories import ProgramFactory

    return ProgramFactory(region=region)


def asked_by(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", [Program, Application, ApplicationEvent, Attachment, AuditEntry])
@pytest.mark.parametrize("region", list(Region))
def test_a_clerk_may_view_and_change_only_his_own_tracks_records(records, model, region):
    model_admin = admin.site._registry[model]
    request = asked_by(clerk(region))
    other = Region.HMT if region == Region.INTERNATIONAL else Region.INTERNATIONAL
    own, foreign = records[region][model], records[other][model]
    assert own is not None and foreign is not None

    assert model_admin.has_view_permission(request, own)
    assert not model_admin.has_view_permission(request, foreign)
    assert not model_admin.has_change_permission(request, foreign)


@pytest.mark.parametrize("model", [Program, Application, ApplicationEvent, Attachment, AuditEntry])
def test_a_superuser_may_view_both_tracks_records(records, model):
    model_admin = admin.site._registry[model]
    request = asked_by(clerk(superuser=True))
    for region in Region:
        assert model_admin.has_view_permission(request, records[region][model])


@pytest.mark.parametrize("model", [Program, Application, ApplicationEvent, Attachment])
def test_the_object_lookup_answers_404_with_the_reason_for_another_tracks_record(records, model):
    """The lookup layer alone (the list and the permissions are not asked)."""
    from django.http import Http404

    model_admin = admin.site._registry[model]
    request = asked_by(clerk(Region.INTERNATIONAL))
    foreign = records[Region.HMT][model]
    assert model_admin.get_object(request, str(records[Region.INTERNATIONAL][model].pk))
    with pytest.raises(Http404) as raised:
        model_admin.get_object(request, str(foreign.pk))
    assert str(raised.value) == "没有找到该记录，或者它不属于你所在办公室负责的项目。"


def test_the_offices_own_pages_are_named_after_the_model_and_behind_the_admins_sign_in(
    django_user_model,
):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    model_admin = admin.site._registry[Application]
    [pattern] = model_admin.office_urls([("tool/", lambda request: HttpResponse("ok"), "tool")])
    assert (str(pattern.pattern), pattern.name) == ("tool/", "applications_application_tool")

    request = RequestFactory().get("/admin/applications/application/tool/")
    request.user = AnonymousUser()
    assert pattern.callback(request).status_code == 302, "to the admin's sign-in"
    request.user = django_user_model.objects.create_user("boss", is_staff=True, is_superuser=True)
    assert pattern.callback(request).content == b"ok"


@pytest.mark.parametrize("forged", ["1.5", "99999999999999999999"])
def test_an_action_on_a_forged_selection_runs_on_nothing_and_says_so(
    client, intl_clerk, make_approved, forged
):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    application = make_approved()
    client.force_login(intl_clerk)
    response = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "set_admitted", "index": 0, "_selected_action": [application.pk, forged]},
    )

    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert messages == [("error", "所选记录无效，未执行任何操作。请刷新页面后重新选择。")]
    application.refresh_from_db()
    assert application.admission_result == "pending"
