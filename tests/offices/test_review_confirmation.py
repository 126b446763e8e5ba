"""Every decision is confirmed on a page naming the student, the program and the decision;
"确认…并审核下一条" opens the next 待审核 application of the list the clerk came from."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from apps.applications.models import Status
from apps.programs.models import Region
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.offices.test_review_admin import CHANGELIST, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def change_url(application, filters=""):
    url = reverse("admin:applications_application_change", args=[application.pk])
    return f"{url}?{urlencode({'_changelist_filters': filters})}" if filters else url


def review_url(application, decision, filters=""):
    url = reverse("admin:applications_application_review", args=[application.pk, decision])
    return f"{url}?{urlencode({'_changelist_filters': filters})}" if filters else url


def test_approve_on_the_change_page_is_a_link_to_a_confirmation_not_a_final_click(
    clerk_client, make_submitted
):
    application = make_submitted(name="林一鸣", school="计算机学院")
    page = clerk_client.get(change_url(application))
    # No form on the page posts a decision: each button opens the confirmation.
    assert f'action="{review_url(application, "approve")}"' not in page.text
    assert f'href="{review_url(application, "approve")}"' in page.text

    confirm = clerk_client.get(review_url(application, "approve"))
    assert confirm.status_code == 200
    for shown in (application.student.username, "林一鸣", "计算机学院", application.program.title):
        assert shown in confirm.text
    assert "审核通过" in confirm.text and "确认审核通过" in confirm.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED, "opening the confirmation decides nothing"


def test_approving_a_selection_asks_for_confirmation_first(clerk_client, make_submitted):
    application = make_submitted(name="周宁")
    data = {"action": "approve_selected", "_selected_action": [application.pk]}

    page = clerk_client.post(reverse(CHANGELIST), data)

    assert page.status_code == 200
    assert "周宁" in page.text and application.program.title in page.text
    assert 'name="apply"' in page.text
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    clerk_client.post(reverse(CHANGELIST), {**data, "apply": "1", "comment": ""})
    application.refresh_from_db()
    assert application.status == Status.APPROVED


@pytest.fixture
def queue(make_submitted):
    """Three 待审核 applications of one program (oldest first) and one of another."""
    program = ProgramFactory(region=Region.INTERNATIONAL, title="慕尼黑工业大学交换")
    first, second, third = (
        make_submitted(program=program, owner=StudentProfileFactory().user, name=name)
        for name in ("甲", "乙", "丙")
    )
    other = make_submitted(owner=StudentProfileFactory().user, name="别的项目")
    return program, [first, second, third], other


def test_confirm_and_next_opens_the_next_pending_application_of_the_filtered_list(
    clerk_client, queue
):
    program, (first, second, third), other = queue
    filters = f"program={program.pk}&status=submitted"
    # The list is newest first: third, second, first.
    response = clerk_client.post(
        review_url(third, "approve", filters), {"comment": "", "_review_next": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(second, filters)
    third.refresh_from_db()
    assert third.status == Status.APPROVED

    # The next page keeps the list's filters in its own buttons.
    page = clerk_client.get(response["Location"])
    assert review_url(second, "reject", filters).replace("&", "&amp;") in page.text

    response = clerk_client.post(
        review_url(second, "return", filters), {"comment": "请补材料", "_review_next": "1"}
    )
    assert response["Location"] == change_url(first, filters)

    response = clerk_client.post(
        review_url(first, "approve", filters), {"comment": "", "_review_next": "1"}
    )
    # None left in this list (the other program's application is not in it).
    assert response["Location"] == reverse(CHANGELIST) + "?" + filters
    assert any("没有其他待审核的申请" in m for m in texts(response))
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


def test_next_goes_on_from_the_decided_application_then_back_to_the_top(clerk_client, queue):
    program, (first, second, third), _other = queue
    filters = f"program={program.pk}"
    response = clerk_client.post(
        review_url(second, "approve", filters), {"comment": "", "_review_next": "1"}
    )
    assert response["Location"] == change_url(first, filters), "the one after it in the list"
    response = clerk_client.post(
        review_url(first, "approve", filters), {"comment": "", "_review_next": "1"}
    )
    assert response["Location"] == change_url(third, filters), "then the one skipped above"


@pytest.mark.parametrize(
    "sort, key, reverse",
    [
        ("-2", lambda a: a.name, True),  # 姓名, descending (its own column)
        ("1", lambda a: a.student.username, False),  # 学号, ascending (the student's column)
    ],
)
def test_next_follows_the_lists_sort_order(clerk_client, queue, sort, key, reverse):
    program, applications, _other = queue
    filters = f"program={program.pk}&o={sort}"
    ordered = sorted(applications, key=key, reverse=reverse)
    # From the middle one: the next is the one after it, not the first still pending.
    response = clerk_client.post(
        review_url(ordered[1], "approve", filters), {"comment": "", "_review_next": "1"}
    )
    assert response["Location"] == change_url(ordered[2], filters)


def test_confirm_without_next_stays_on_the_application(clerk_client, queue):
    program, (first, _second, _third), _other = queue
    filters = f"program={program.pk}"
    response = clerk_client.post(review_url(first, "approve", filters), {"comment": ""})
    assert response["Location"] == change_url(first, filters)


def test_next_never_leaves_the_clerks_track(clerk_client, make_submitted):
    mine = make_submitted(program=ProgramFactory(region=Region.INTERNATIONAL))
    make_submitted(program=ProgramFactory(region=Region.HMT), owner=StudentProfileFactory().user)
    response = clerk_client.post(
        review_url(mine, "approve", "status=submitted"), {"comment": "", "_review_next": "1"}
    )
    # The other track's pending application is not the next one: none is left.
    assert response["Location"] == reverse(CHANGELIST) + "?status=submitted"


def test_a_broken_filter_in_the_list_query_falls_back_to_the_list(clerk_client, make_submitted):
    application = make_submitted()
    response = clerk_client.post(
        review_url(application, "approve", "no_such_field__gt=1"),
        {"comment": "", "_review_next": "1"},
    )
    assert response["Location"] == reverse(CHANGELIST) + "?no_such_field__gt=1"
    assert any("没有其他待审核的申请" in m for m in texts(response))
    application.refresh_from_db()
    assert application.status == Status.APPROVED
