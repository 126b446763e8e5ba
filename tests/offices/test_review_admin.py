"""The review in admin: buttons on the change page, actions on a selection, messages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.applications import services
from apps.applications.models import Status
from apps.programs.models import Region
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def review_url(application, decision):
    return reverse("admin:applications_application_review", args=[application.pk, decision])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_change_page_offers_the_three_decisions_while_submitted(clerk_client, make_submitted):
    application = make_submitted()
    page = clerk_client.get(reverse("admin:applications_application_change", args=[application.pk]))
    for decision in ("approve", "reject", "return"):
        assert review_url(application, decision) in page.text
    assert "审核通过" in page.text and "退回修改" in page.text

    services.approve_application(application=application, actor=page.wsgi_request.user)
    page = clerk_client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert review_url(application, "reject") not in page.text
    assert "只有待审核的申请可以审核" in page.text


def test_the_change_page_shows_the_submission_read_only_with_files_and_history(
    clerk_client, make_submitted, clerk
):
    application = make_submitted(name="周子琪")
    page = clerk_client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert 'name="name"' not in page.text, "a clerk cannot edit the student's answers"
    assert 'name="_save"' not in page.text, "no save button for a clerk"
    assert "周子琪" in page.text
    for attachment in application.attachments.all():
        assert reverse("applications:attachment", args=[application.pk, attachment.pk]) in page.text
    assert "提交申请" in page.text, "the status history is on the page"
    assert "application_documents" not in page.text  # the lead's block renders nothing yet

    # A forged save changes nothing.
    clerk_client.post(
        reverse("admin:applications_application_change", args=[application.pk]), {"name": "X"}
    )
    application.refresh_from_db()
    assert application.name == "周子琪"


def test_reject_button_asks_for_the_comment_and_refuses_an_empty_one(clerk_client, make_submitted):
    application = make_submitted()
    url = review_url(application, "reject")
    page = clerk_client.get(url)
    assert page.status_code == 200 and 'name="comment"' in page.text

    refused = clerk_client.post(url, {"comment": "  "})
    assert refused.status_code == 200
    assert "审核不通过需要填写意见" in refused.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    done = clerk_client.post(url, {"comment": "不符合申请条件"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.events.last().comment == "不符合申请条件"
    assert any("已处理 1 份申请" in m for m in texts(done))


def test_a_button_on_an_already_decided_application_says_so(clerk_client, make_submitted, clerk):
    application = make_submitted(name="吴思远")
    services.approve_application(application=application, actor=clerk)
    response = clerk_client.post(review_url(application, "return"), {"comment": "再看看"})
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    [message] = texts(response)
    assert "吴思远" in message and "审核通过" in message


def test_approving_a_selection_reports_what_went_through_and_what_was_refused(
    clerk_client, make_submitted, make_draft, clerk
):
    from tests.factories import StudentProfileFactory

    first = make_submitted(name="甲同学")
    second = make_submitted(name="乙同学", owner=StudentProfileFactory().user)
    decided = make_submitted(name="丙同学", owner=StudentProfileFactory().user)
    services.reject_application(application=decided, actor=clerk, comment="已拒")

    data = {"action": "approve_selected", "_selected_action": [first.pk, second.pk, decided.pk]}
    page = clerk_client.post(reverse(CHANGELIST), data)
    assert page.status_code == 200, "the selection is confirmed first"
    assert "甲同学" in page.text and "乙同学" in page.text
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED

    response = clerk_client.post(reverse(CHANGELIST), {**data, "apply": "1", "comment": ""})
    assert response.status_code == 302
    for application, status in [(first, "approved"), (second, "approved"), (decided, "rejected")]:
        application.refresh_from_db()
        assert application.status == status
    messages = texts(response)
    assert any("已处理 2 份申请" in m and "甲同学" in m and "乙同学" in m for m in messages)
    assert any("丙同学" in m and "未处理" in m for m in messages)
    assert first.events.last().actor == clerk


def test_returning_a_selection_goes_through_a_comment_page(clerk_client, make_submitted):
    application = make_submitted(name="郑好")
    data = {"action": "return_selected", "_selected_action": [application.pk]}
    page = clerk_client.post(reverse(CHANGELIST), data)
    assert page.status_code == 200
    assert "郑好" in page.text and 'name="comment"' in page.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    refused = clerk_client.post(reverse(CHANGELIST), {**data, "apply": "1", "comment": ""})
    assert refused.status_code == 200 and "退回修改需要填写意见" in refused.text

    clerk_client.post(reverse(CHANGELIST), {**data, "apply": "1", "comment": "请补充在读证明"})
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert application.return_comment() == "请补充在读证明"


def test_a_forged_selection_with_another_tracks_application_decides_nothing_there(
    clerk_client, make_submitted
):
    from tests.factories import StudentProfileFactory

    mine = make_submitted(program=ProgramFactory(region=Region.INTERNATIONAL))
    theirs = make_submitted(
        program=ProgramFactory(region=Region.HMT), owner=StudentProfileFactory().user
    )
    clerk_client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": [mine.pk, theirs.pk], "apply": "1"},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.APPROVED, Status.SUBMITTED)


def test_review_actions_compose_with_another_mixins_actions(rf, clerk):
    """The results helper's mixin brings its own actions; both sets must be offered."""
    from django.contrib import admin as django_admin

    from apps.applications.models import Application
    from apps.offices.admin.applications import ApplicationAdmin

    class OtherMixin:
        actions = ["export_selected"]

        @django_admin.action(description="导出")
        def export_selected(self, request, queryset):
            return None

    class Combined(OtherMixin, ApplicationAdmin):
        pass

    request = rf.get("/admin/applications/application/")
    request.user = clerk
    names = set(Combined(Application, django_admin.site).get_actions(request))
    assert {"export_selected", "approve_selected", "reject_selected", "return_selected"} <= names
