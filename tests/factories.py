"""Test data builders: one place that knows how to make a valid object."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import StudentProfile
from apps.applications.models import Application
from apps.programs.models import Program, Region

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"2023{n:09d}")
    password = factory.django.Password(PASSWORD)


class StudentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"学生{n}")
    school = "计算机学院"


class ProgramFactory(factory.django.DjangoModelFactory):
    """An open program by default; pass opens_at/closes_at or use the helpers for others."""

    class Meta:
        model = Program

    region = Region.INTERNATIONAL
    title = factory.Sequence(lambda n: f"交流项目{n}")
    partner = factory.Sequence(lambda n: f"合作大学{n}")
    country = "日本"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=100))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=120))

    class Params:
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=30)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )
        upcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=3)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=30)),
        )


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    student = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
