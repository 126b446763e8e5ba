"""删除草稿 in Chromium: from 近期申请列表 through the confirm page; the files go too."""

import pytest
from playwright.sync_api import expect

from apps.applications.models import Application
from tests.e2e.test_catalog_journey import sign_in
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_student_deletes_a_draft_after_confirming(
    page, live_server, snap, student, make_draft, media
):
    draft = make_draft(program=ProgramFactory(title="新加坡国立大学学期交流项目"))
    stored = [media / a.file.name for a in draft.attachments.all()]
    assert stored and all(path.exists() for path in stored)
    sign_in(page, live_server.url, student.username)

    page.goto(f"{live_server.url}/applications/")
    page.get_by_role("link", name="删除草稿").click()
    expect(page.get_by_role("heading", name="删除草稿")).to_be_visible()
    expect(
        page.get_by_text("确定删除对「新加坡国立大学学期交流项目」的报名草稿吗？")
    ).to_be_visible()
    expect(page.get_by_text("transcript.pdf")).to_be_visible()
    snap("confirm")

    # 取消 leaves it as it was, on the form.
    page.get_by_role("link", name="取消").click()
    expect(page.get_by_role("heading", name="新加坡国立大学学期交流项目")).to_be_visible()
    page.get_by_role("link", name="删除草稿").click()
    page.get_by_role("button", name="确认删除").click()

    expect(page.get_by_text("「新加坡国立大学学期交流项目」的报名草稿已删除。")).to_be_visible()
    expect(page.get_by_text("你还没有报名任何项目。")).to_be_visible()
    snap("deleted")
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not any(path.exists() for path in stored), "the stored files are gone"
