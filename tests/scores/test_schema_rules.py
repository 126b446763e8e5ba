from decimal import Decimal

import pytest
from django.db import IntegrityError

from apps.scores.models import ScoreSupplement
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_the_database_allows_one_score_supplement_per_application():
    application = ApplicationFactory()
    ScoreSupplement.objects.create(
        application=application, language_test="ielts", score=Decimal("7.0")
    )
    with pytest.raises(IntegrityError):
        ScoreSupplement.objects.create(
            application=application, language_test="ielts", score=Decimal("8.0")
        )
