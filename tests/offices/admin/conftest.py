"""Office accounts and approved applications for the admin tests."""

import pytest

from apps.applications import services
from apps.programs.models import Region
from tests.builders import office_admin, office_group
from tests.factories import ProgramFactory, StudentProfileFactory, UserFactory

# Everyone who might ask, for an application of the international track.
WHO = ["anonymous", "student", "other_clerk", "clerk", "superuser"]


@pytest.fixture
def make_clerk(db):
    def make(region, username=None):
        user = UserFactory(username=username or f"clerk_{region}", is_staff=True)
        user.groups.add(office_group(region))
        return user

    return make


@pytest.fixture
def intl_clerk(make_clerk):
    return make_clerk(Region.INTERNATIONAL)


@pytest.fixture
def hmt_clerk(make_clerk):
    return make_clerk(Region.HMT)


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def approve(application):
    """The office's 审核通过."""
    return services.approve_application(application=application, actor=office_admin())


@pytest.fixture
def make_approved(make_submitted):
    """An approved application of a new student (or `owner`) to `program` (or a new one)."""

    def make(program=None, owner=None, region=Region.INTERNATIONAL, **changes):
        owner = owner or StudentProfileFactory().user
        program = program or ProgramFactory(region=region)
        return approve(make_submitted(program=program, owner=owner, **changes))

    return make


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def login(client, make_clerk, superuser):
    """A client signed in as one of WHO; "clerk" works for the international track."""

    def sign_in(who):
        user = {
            "anonymous": None,
            "student": lambda: UserFactory(),
            "other_clerk": lambda: make_clerk(Region.HMT),
            "clerk": lambda: make_clerk(Region.INTERNATIONAL),
            "superuser": lambda: superuser,
        }[who]
        if user is not None:
            client.force_login(user())
        return client

    return sign_in
