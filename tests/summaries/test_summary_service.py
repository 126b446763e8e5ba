"""The 交流总结 services called directly: each refusal says why in the manual's words, and
what stops a submission is named by field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.applications.services import ApplicationError
from apps.attachments.models import AttachmentKind
from apps.summaries import services
from apps.summaries.models import ReturnSummary
from tests.summaries.test_summary import finished_program

pytestmark = pytest.mark.django_db


def refusal(call):
    with pytest.raises(ApplicationError) as raised:
        call()
    assert str(raised.value) == raised.value.message
    return raised.value


def test_a_summary_before_admission_is_refused_with_the_reason(make_approved):
    application = make_approved(program=finished_program())
    error = refusal(
        lambda: services.save_summary(application=application, user=application.student, changes={})
    )
    assert error.message == "只有被录取的申请才能填写交流总结。"


def test_a_submitted_summary_is_refused_with_the_reason(make_admitted):
    application = make_admitted(program=finished_program())
    ReturnSummary.objects.create(
        application=application,
        return_date=timezone.localdate() - timedelta(days=10),
        submitted_at=timezone.now(),
    )
    error = refusal(
        lambda: services.submit_summary(application=application, user=application.student)
    )
    assert error.message == "交流总结已提交，不能再修改。"


def test_an_incomplete_summary_is_refused_with_each_missing_part_named(make_admitted):
    application = make_admitted(program=finished_program())
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.save_summary(
        application=application, user=application.student, changes={"return_date": tomorrow}
    )
    error = refusal(
        lambda: services.submit_summary(application=application, user=application.student)
    )
    assert error.message == "交流总结还不完整，请按提示补充后再提交；已填写的内容都已保存。"
    assert error.problems == {
        "return_date": "回国时间不能晚于今天。",
        AttachmentKind.SUMMARY: "请上传回国总结附件。",
    }
