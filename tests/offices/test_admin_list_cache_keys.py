"""The office list's two caches, each part of their keys proved by two requests that
differ in exactly that part.

The rows' HTML (`cached_result_list`) is shared by every clerk: its key is the language,
the query string, the columns and the rows' versions. The list's whole content
(`cached_changelist_content`) is each clerk's own: its key adds the user, his
permissions and offices, the counts and the filters' catalog version. A part missing
from a key serves one request what was rendered for another.

Two parts no test can tell from their absence, kept as a margin: the user's own id in
the content key (two clerks with the same permissions and offices are shown the same
content) and his flags (a change of flag changes his permissions, which the key holds).
Likewise the rows' columns: every clerk who sees rows has an action (the ZIP download
needs only the view permission), so the checkbox column is always there.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Status
from apps.programs.models import Region
from tests.builders import office_group
from tests.factories import ApplicationFactory, ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:applications_application_changelist")


@pytest.fixture(autouse=True)
def two_applications():
    program = ProgramFactory(region=Region.INTERNATIONAL)
    for name in ("申请人甲", "申请人乙"):
        ApplicationFactory(
            program=program,
            student=StudentProfileFactory().user,
            name=name,
            status=Status.SUBMITTED,
            submitted_at=timezone.now(),
            has_passport=False,
        )


def browser(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def rows(page):
    return page.text.split('id="result_list"')[1].split("</table>")[0]


# --- the rows, shared between clerks ---------------------------------------------------


@pytest.mark.parametrize(
    ("first_language", "second_language", "second_sees", "second_never_sees"),
    [("zh-hans", "en", "Pending review", "待审核"), ("en", "zh-hans", "待审核", "Pending review")],
)
def test_each_language_gets_rows_in_its_own_words(
    make_clerk, first_language, second_language, second_sees, second_never_sees
):
    first = browser(make_clerk(Region.INTERNATIONAL, username="first"), first_language)
    second = browser(make_clerk(Region.INTERNATIONAL, username="second"), second_language)
    assert second_never_sees in rows(first.get(URL))
    second_rows = rows(second.get(URL))
    assert second_sees in second_rows and second_never_sees not in second_rows


def test_each_query_string_gets_rows_whose_links_keep_it(make_clerk):
    first = browser(make_clerk(Region.INTERNATIONAL, username="first"))
    second = browser(make_clerk(Region.INTERNATIONAL, username="second"))
    assert "_changelist_filters" not in rows(first.get(URL))
    # The same two rows, the same versions: only the query string differs.
    filtered = rows(second.get(URL, {"status": Status.SUBMITTED}))
    assert "_changelist_filters=status%3Dsubmitted" in filtered


# --- the whole content, each clerk's own ---------------------------------------------


def test_a_clerk_who_switches_language_gets_the_list_in_it(clerk):
    client = browser(clerk)
    assert "审核状态" in client.get(URL).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(URL)
    assert "Review status" in page.text and "审核状态" not in page.text
    assert "Pending review" in rows(page)


def test_a_clerk_whose_office_loses_a_permission_loses_its_actions_at_once(clerk):
    client = browser(clerk)
    assert 'value="approve_selected"' in client.get(URL).text
    office_group(Region.INTERNATIONAL).permissions.remove(
        Permission.objects.get(codename="change_application")
    )
    page = client.get(URL)  # the same clerk, query, counts and rows
    assert 'value="approve_selected"' not in page.text, "he may no longer decide"
    assert 'value="download_attachments"' in page.text, "he may still download"


def test_a_clerk_made_superuser_gets_the_superusers_list_at_once(clerk):
    client = browser(clerk)
    statuses = client.get(URL).text.split('data-filter-title="审核状态"')[1].split("</details>")[0]
    assert "草稿" not in statuses
    clerk.is_superuser = True
    clerk.save(update_fields=["is_superuser"])
    page = client.get(URL)
    statuses = page.text.split('data-filter-title="审核状态"')[1].split("</details>")[0]
    assert "草稿" in statuses, "only a superuser filters drafts"


def test_a_row_added_beyond_the_page_changes_the_count_at_once(clerk):
    from datetime import timedelta

    from apps.offices.admin.applications import ApplicationAdmin

    program = ProgramFactory(region=Region.INTERNATIONAL)
    for _ in range(ApplicationAdmin.list_per_page - 2):  # a full first page with the two
        ApplicationFactory(
            program=program,
            student=StudentProfileFactory().user,
            status=Status.SUBMITTED,
            submitted_at=timezone.now(),
            has_passport=False,
        )
    client = browser(clerk)
    assert 'href="?p=2"' not in client.get(URL).text, "one page"
    # Submitted earlier than all of them: on page 2, so page 1's rows are the same rows.
    ApplicationFactory(
        program=program,
        student=StudentProfileFactory().user,
        status=Status.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=3),
        has_passport=False,
    )
    page = client.get(URL)
    assert 'href="?p=2"' in page.text, "the pagination counts the new row"
