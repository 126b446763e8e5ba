from datetime import date

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.programs.models import TRACK_WORDS, Region
from apps.summaries.models import ReturnSummary
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_a_summary_cannot_be_submitted_without_a_return_date():
    with pytest.raises(IntegrityError):
        ReturnSummary.objects.create(application=ApplicationFactory(), submitted_at=timezone.now())


def test_one_summary_per_application():
    application = ApplicationFactory()
    ReturnSummary.objects.create(application=application, return_date=date(2027, 1, 20))
    with pytest.raises(IntegrityError):
        ReturnSummary.objects.create(application=application)


def test_each_track_has_its_own_words_for_the_return():
    assert TRACK_WORDS[Region.INTERNATIONAL]["return_date"] == "回国时间"
    assert TRACK_WORDS[Region.INTERNATIONAL]["summary_attachment"] == "回国总结附件"
    assert TRACK_WORDS[Region.HMT]["return_date"] == "返境时间"
    assert TRACK_WORDS[Region.HMT]["summary_attachment"] == "交流总结附件"
