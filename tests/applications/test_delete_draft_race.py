"""删除草稿 racing 提交 on PostgreSQL with real threads: the row lock lets one of them win."""

from apps.applications import services
from apps.applications.models import Application, Status
from apps.attachments.models import Attachment
from tests.concurrency import on_postgresql, race

pytestmark = on_postgresql


def test_deleting_and_submitting_at_once_do_one_or_the_other(make_draft, student):
    for _ in range(5):
        draft = make_draft()

        outcomes = race(
            lambda d=draft: services.submit_application(application=d, user=student),
            lambda d=draft: services.delete_draft(application=d, user=student),
        )

        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["ok", "refused"], outcomes
        row = Application.objects.filter(pk=draft.pk).first()
        if row is None:  # deleted first: the submission found nothing to submit
            assert outcomes[0] == ("refused", "这份草稿已被删除。"), outcomes
            assert not Attachment.objects.filter(application_id=draft.pk).exists()
        else:  # submitted first: the draft is no longer one to delete
            assert row.status == Status.SUBMITTED and row.attachments.count() == 2
            assert "不能删除" in outcomes[1][1], outcomes
