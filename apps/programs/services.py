"""Changes to programs that are more than editing a form."""

import re

from django.db import transaction
from django.utils import timezone

from apps.core.dates import add_months

from .models import Program, ProgramRequirement

SPRING = re.compile(r"^(\d{4})年春季学期$")
AUTUMN = re.compile(r"^(\d{4})-(\d{4})学年秋季学期$")
YEAR = re.compile(r"\d{4}")


def next_term(term):
    """The term after `term` and how many months later it is.

    "2027年春季学期" → "2027-2028学年秋季学期" (6 months); "2026-2027学年秋季学期" →
    "2027年春季学期" (6 months); anything else is taken as yearly ("2026年暑期" → "2027年暑期",
    12 months).
    """
    term = term.strip()
    if match := SPRING.match(term):
        year = int(match[1])
        return f"{year}-{year + 1}学年秋季学期", 6
    if match := AUTUMN.match(term):
        return f"{match[2]}年春季学期", 6
    return YEAR.sub(lambda m: str(int(m[0]) + 1), term), 12


def _shift(moment, months):
    local = timezone.localtime(moment)
    day = add_months(local.date(), months)
    return local.replace(year=day.year, month=day.month, day=day.day)


def duplicate_for_next_term(*, program):
    """An unpublished copy of `program` for the next term, every date moved with it, and
    its requirements.

    Returns (copy, created): an existing copy (same track, title and next term) is
    returned as it is, so that running the action twice makes one copy.
    """
    term, months = next_term(program.term)
    with transaction.atomic():
        existing = Program.objects.filter(
            region=program.region, title=program.title, term=term
        ).first()
        if existing is not None and existing.pk != program.pk:
            return existing, False
        copy = Program.objects.get(pk=program.pk)
        copy.pk = None
        copy._state.adding = True
        copy.term = term
        copy.is_published = False
        copy.start_date = add_months(program.start_date, months)
        copy.end_date = add_months(program.end_date, months)
        copy.opens_at = _shift(program.opens_at, months)
        copy.closes_at = _shift(program.closes_at, months)
        copy.save()
        # The 申请条件 go with it: a partner's requirements rarely change between terms.
        ProgramRequirement.objects.bulk_create(
            ProgramRequirement(
                program=copy,
                **{
                    f.name: getattr(row, f.name)
                    for f in ProgramRequirement._meta.concrete_fields
                    if f.name not in ("id", "program")
                },
            )
            for row in program.requirements.all()
        )
        return copy, True
