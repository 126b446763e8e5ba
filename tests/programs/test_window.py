from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError

from apps.programs.models import Program, WindowState
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2026, 12, 15, 17, 0, tzinfo=SHANGHAI)


@pytest.fixture
def program():
    return ProgramFactory(opens_at=OPENS, closes_at=CLOSES)


@pytest.mark.parametrize(
    "moment, state",
    [
        (OPENS - timedelta(seconds=1), WindowState.UPCOMING),
        (OPENS, WindowState.OPEN),
        (CLOSES - timedelta(seconds=1), WindowState.OPEN),
        (CLOSES, WindowState.CLOSED),
    ],
)
def test_window_state_at_its_edges(program, moment, state):
    with time_machine.travel(moment, tick=False):
        assert program.window_state() == state
        assert program.is_open() == (state == WindowState.OPEN)
        assert list(Program.objects.in_state(state)) == [program]
        assert (program in Program.objects.open_now()) == (state == WindowState.OPEN)


def test_unpublished_program_is_never_open(program):
    program.is_published = False
    with time_machine.travel(OPENS + timedelta(days=1), tick=False):
        assert program.window_state() == WindowState.OPEN
        assert not program.is_open()


def test_database_refuses_a_window_that_closes_before_it_opens():
    with pytest.raises(IntegrityError):
        ProgramFactory(opens_at=CLOSES, closes_at=OPENS)


def test_database_refuses_a_program_that_ends_before_it_starts(program):
    program.end_date = program.start_date - timedelta(days=1)
    with pytest.raises(IntegrityError):
        program.save()
