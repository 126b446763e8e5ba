"""Applications in each state, with Latin names: an English page can then be checked for
Chinese left untranslated, without the test data's own Chinese getting in the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ProgramFactory, StudentProfileFactory

LATIN = {"name": "Zhang Xiaoming", "school": "School of Computing", "major": "Software"}


@pytest.fixture
def student(db):
    return StudentProfileFactory(**LATIN).user


def latin_program(title="Exchange Programme"):
    return ProgramFactory(title=title, partner="Partner University", country="Japan")


@pytest.fixture
def program(db):
    return latin_program()


@pytest.fixture
def draft(make_draft, program):
    return make_draft(program=program, **LATIN)


@pytest.fixture
def submitted(make_submitted, program):
    return make_submitted(program=program, **LATIN)


@pytest.fixture
def approved(make_approved):
    """Of a program of its own: it may sit beside `submitted`."""
    return make_approved(program=latin_program("Summer School"), **LATIN)


@pytest.fixture
def admitted(make_admitted, program):
    """Admitted to a program that is over: the exchange summary can be written."""
    program.start_date = timezone.localdate() - timedelta(days=200)
    program.end_date = timezone.localdate() - timedelta(days=10)
    program.save()
    return make_admitted(program=program, **LATIN)
