"""purge_attachments: files past the retention period leave storage; their rows stay."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.attachments.models import Attachment
from apps.operations.retention import retention_cutoff
from tests.builders import clerk

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """The command, with the file deletions it schedules after commit carried out."""

    def run(*args):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_attachments", *args, stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def old_and_new(make_submitted):
    """An application submitted six years ago (its two files) and one submitted today."""
    old = make_submitted()
    Attachment.objects.filter(application=old).update(
        uploaded_at=timezone.now() - timedelta(days=365 * 6 + 180)
    )
    new = make_submitted()
    return old, new


def stored(attachment):
    return attachment.file.storage.exists(attachment.file.name)


def test_a_dry_run_lists_what_would_go_and_removes_nothing(old_and_new, purge):
    old, new = old_and_new
    files = list(old.attachments.all())

    output = purge("--dry-run")

    assert "2 file(s)" in output and "would be removed" in output
    for attachment in files:
        assert attachment.original_name in output
        attachment.refresh_from_db()
        assert stored(attachment) and not attachment.is_purged
    assert new.attachments.first().original_name not in output.split("\n")[-2]


def test_purging_deletes_old_files_and_keeps_their_rows(old_and_new, purge):
    old, new = old_and_new
    names = [a.file.name for a in old.attachments.all()]
    storage = old.attachments.first().file.storage

    output = purge()

    assert "2 file(s)" in output and "removed" in output
    for name in names:
        assert not storage.exists(name)
    for attachment in old.attachments.all():
        assert attachment.is_purged and attachment.file.name == ""
        assert attachment.original_name and attachment.size, "what was submitted stays known"
    for attachment in new.attachments.all():
        assert stored(attachment) and not attachment.is_purged
    assert "0 file(s)" in purge(), "a second run finds nothing more"


def test_the_retention_period_comes_from_the_setting_or_years(old_and_new, settings, purge):
    settings.ATTACHMENT_RETENTION_YEARS = 7
    assert "0 file(s)" in purge("--dry-run")
    assert "2 file(s)" in purge("--dry-run", "--years", "6")
    with pytest.raises(CommandError):
        purge("--years", "0")


def test_the_cutoff_is_the_same_day_years_ago():
    now = timezone.now().replace(year=2028, month=2, day=29)
    assert retention_cutoff(1, now=now).date().isoformat() == "2027-02-28"
    assert retention_cutoff(5, now=now).date().isoformat() == "2023-02-28"


def test_a_purged_file_says_so_and_is_no_longer_served(old_and_new, client, student_client, purge):
    old, _new = old_and_new
    purge()
    attachment = old.attachments.first()
    url = reverse("applications:attachment", args=[old.pk, attachment.pk])

    assert student_client.get(url).status_code == 404
    detail = student_client.get(reverse("applications:detail", args=[old.pk])).text
    assert attachment.original_name in detail and "清理" in detail and url not in detail

    client.force_login(clerk(old.program.region))
    page = client.get(reverse("admin:applications_application_change", args=[old.pk])).text
    assert attachment.original_name in page and "清理" in page and url not in page


def test_a_purge_renders_the_students_list_again(old_and_new, purge):
    """The purge changes the application with `update()` (no signal): it forgets the
    student's cached 近期申请列表 itself."""
    from apps.applications import fragments

    old, _ = old_and_new
    before = fragments._list_version(old.student_id)

    purge()

    assert fragments._list_version(old.student_id) != before


def test_a_purge_shows_on_a_details_page_already_seen(old_and_new, student_client, purge):
    """The row and the parts of 详情 are cached: the purge (an `update()`, no signal)
    forgets the row itself."""
    old, _ = old_and_new
    url = reverse("applications:detail", args=[old.pk])
    assert "清理" not in student_client.get(url).text

    purge()

    assert "清理" in student_client.get(url).text
