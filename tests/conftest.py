import copy
import json
import os

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from apps.accounts.cas_http import cas_origin
from apps.applications import services
from apps.applications.models import AdmissionResult
from apps.attachments.models import AttachmentKind
from exchange_portal.celery import app as celery_app
from tests.builders import COMPLETE, checked, office_admin
from tests.cas_server import HMT_GROUP_DN, OUTBOUND_GROUP_DN, CasServer, CasServerUnavailable
from tests.factories import PASSWORD, ProgramFactory, StudentProfileFactory
from tests.ldap_server import LDAP_PROFILE_ATTR_MAP, Slapd, SlapdUnavailable
from tests.s3_server import MotoS3, S3ServerUnavailable

# Hypothesis (tests/security/): 200 examples per form, no per-example deadline (a request
# may take a while on a busy machine). Examples share a function-scoped client and
# database on purpose: each example resets what it changed (tests/security/fuzz.py
# `rolled_back`), hence the suppressed health check. CI derandomizes, so that a failure
# reproduces from the same examples; elsewhere the seed of a failure is printed.
hypothesis_settings.register_profile(
    "portal",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
portal = hypothesis_settings.get_profile("portal")
hypothesis_settings.register_profile("portal-ci", parent=portal, derandomize=True)
# HYPOTHESIS_PROFILE=portal-quick while writing a test: a tenth of the examples.
hypothesis_settings.register_profile("portal-quick", parent=portal, max_examples=20)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "portal-ci" if os.environ.get("CI") else "portal")
)


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A `replica` alias, as DATABASE_REPLICA_URL would add, mirroring the test database
    (Django's test mirror), for the routing tests (tests/core/test_db_router.py)."""
    from django.conf import settings

    if "replica" not in settings.DATABASES:
        settings.DATABASES["replica"] = {
            **settings.DATABASES["default"],
            "TEST": {"MIRROR": "default"},
        }


def pytest_generate_tests(metafunc):
    # A test marked `s3` runs twice: on the local media folder and on object storage.
    if metafunc.definition.get_closest_marker("s3"):
        metafunc.parametrize("storage_backend", ["local", "s3"], indirect=True)


@pytest.fixture(scope="session")
def moto_s3():
    """One S3-compatible server (moto's server mode) on loopback for the whole run."""
    try:
        server = MotoS3().start()
    except S3ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def storage_backend(request):
    """Where the default storage keeps files in this test: "local" unless the test is
    marked `s3` (then both) or asks for `s3_storage`."""
    return getattr(request, "param", "local")


@pytest.fixture(scope="session")
def cache_log(tmp_path_factory):
    """The embedded default's log of forgotten keys (apps/core/local_cache.py), one file for
    the session: the suite runs in one process, as `make run` does."""
    return str(tmp_path_factory.mktemp("cache") / "cache-log")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path, request, storage_backend, cache_log):
    # Every read from the test database's one connection, unless a test routes on purpose
    # (the replica alias is a second connection, which would not see uncommitted rows).
    settings.DATABASE_ROUTERS = []
    # Tasks run eagerly in the unit suite, whatever broker the environment names (the
    # worker tests in tests/tasks start a real one).
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The embedded default's own backend (Django's, immutable values unpickled once, the
    # users of sessions kept: what one process forgets, the others are told).
    settings.CACHES = {
        "default": {"BACKEND": "apps.core.local_cache.LocMemCache", "OPTIONS": {"LOG": cache_log}}
    }
    # Local memory outlives a test (it is per process): no page cached by another test.
    cache.clear()
    # Forms printed in the full Noto font unless a test builds the cut-down copy.
    settings.PDF_FONT_DIR = tmp_path / "pdf-fonts"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "apps.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    if storage_backend == "s3":
        request.getfixturevalue("s3_storage")


@pytest.fixture
def s3_storage(settings, tmp_path, moto_s3):
    """The default storage on a new, empty bucket of the loopback S3 server; its name."""
    bucket = moto_s3.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": moto_s3.storage_settings(bucket)}
    settings.MEDIA_ROOT = tmp_path / "media"  # nothing may be written there
    return bucket


@pytest.fixture
def media(tmp_path):
    """The media directory the default storage writes to (see _fast_and_isolated)."""
    return tmp_path / "media"


@pytest.fixture
def student(db):
    return StudentProfileFactory(name="张晓明").user


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_draft(student):
    """A draft of `student` (or `owner`), optionally complete with the two required files."""

    def make(program=None, owner=None, complete=True, **changes):
        owner = owner or student
        program = program or ProgramFactory()
        application, _ = services.start_application(program=program, student=owner)
        fields = {**COMPLETE, **changes} if complete else changes
        files = (
            [checked(AttachmentKind.TRANSCRIPT), checked(AttachmentKind.ENROLLMENT)]
            if complete
            else []
        )
        return services.save_draft(
            application=application, user=owner, changes=fields, new_files=files
        )

    return make


@pytest.fixture
def make_submitted(make_draft):
    def make(**kwargs):
        application = make_draft(**kwargs)
        return services.submit_application(application=application, user=application.student)

    return make


@pytest.fixture
def make_approved(make_submitted):
    """A submitted application the office approved, and the partner school's answer if
    `admission_result` is given: through the office's services."""

    def make(admission_result=None, **kwargs):
        application = services.approve_application(
            application=make_submitted(**kwargs), actor=office_admin()
        )
        if admission_result and admission_result != AdmissionResult.PENDING:
            application = services.set_admission_result(
                application=application, result=admission_result, actor=office_admin()
            )
        return application

    return make


@pytest.fixture
def make_admitted(make_approved):
    def make(**kwargs):
        return make_approved(admission_result=AdmissionResult.ADMITTED, **kwargs)

    return make


# --- A real directory for the LDAP tests (tests/ldap_server.py) -------------------------


@pytest.fixture(scope="session")
def slapd():
    """One private slapd for the whole run. Fails (never skips) if it cannot start."""
    try:
        server = Slapd().start()
    except SlapdUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def ldap_settings(settings, slapd):
    """Point django-auth-ldap at the private slapd, LDAP first and local accounts second.

    django-auth-ldap reads AUTH_LDAP_* when a backend instance first needs them, and
    Django builds new backend instances on every authenticate() and get_user(), so
    overriding Django settings here is enough.
    """
    settings.AUTH_METHODS = ["ldap"]
    settings.AUTH_LDAP_SERVER_URI = slapd.uri
    settings.AUTH_LDAP_USER_DN_TEMPLATE = "uid=%(user)s,ou=people,dc=example,dc=edu"
    settings.AUTH_LDAP_BIND_AS_AUTHENTICATING_USER = True
    settings.AUTH_LDAP_START_TLS = False
    # The test directory is plain inetOrgPerson: pin the maps it matches, so that a
    # developer's .env written for the real directory cannot change what is tested.
    settings.AUTH_LDAP_USER_ATTR_MAP = {"email": "mail"}
    settings.PROFILE_ATTR_MAP = LDAP_PROFILE_ATTR_MAP
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "apps.accounts.ldap.PortalLDAPBackend",
        "apps.accounts.backends.PortalModelBackend",
    ]
    return settings


# --- Office staff (groups and their permissions come from the migrations) -------------


@pytest.fixture
def office_groups(db):
    """The office groups of the data migrations, made again if a transactional (browser)
    test flushed the tables since."""
    from tests.builders import office_groups

    return office_groups()


@pytest.fixture
def make_clerk(office_groups):
    """A staff account in the office group of `region`."""
    from django.contrib.auth.models import Group

    from apps.programs.models import Region
    from tests.builders import office_group
    from tests.factories import UserFactory

    def make(region=Region.INTERNATIONAL, **fields):
        fields.setdefault("username", f"clerk-{region}-{Group.objects.count()}-{id(fields)}")
        fields.setdefault("first_name", "审核员")
        user = UserFactory(is_staff=True, **fields)
        user.groups.add(office_group(region))
        return user

    return make


@pytest.fixture
def clerk(make_clerk):
    """Staff of the international office."""
    return make_clerk(username="intl-clerk")


@pytest.fixture
def hmt_clerk(make_clerk):
    from apps.programs.models import Region

    return make_clerk(Region.HMT, username="hmt-clerk")


@pytest.fixture
def make_office_head(office_groups):
    """A clerk of `region` who is also in its office head group (撤销审核)."""
    from apps.applications.models import OFFICE_HEAD_GROUPS
    from apps.programs.models import OFFICE_GROUPS, Region
    from tests.factories import UserFactory

    def make(region=Region.INTERNATIONAL, **fields):
        user = UserFactory(is_staff=True, **fields)
        user.groups.add(
            office_groups[OFFICE_GROUPS[region]], office_groups[OFFICE_HEAD_GROUPS[region]]
        )
        return user

    return make


@pytest.fixture
def office_head(make_office_head):
    """The head of the international office."""
    return make_office_head(username="intl-head", first_name="办公室主任")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _chinese_until_asked():
    """Each test starts in Chinese: a request with the English cookie activates English for
    the thread, and the next test would otherwise inherit it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def cas_server():
    """One real CAS server (django-mama-cas, tests/cas_server.py) for the whole run."""
    try:
        server = CasServer().start()
    except CasServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def cas_settings(settings, cas_server):
    """统一身份认证 (CAS 3.0) against the test CAS server, LDAP off, local accounts on."""
    settings.AUTH_METHODS = ["cas"]
    settings.CAS_SERVER_URL = cas_server.url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(cas_origin(cas_server.url))
    settings.CONTENT_SECURITY_POLICY = policy
    settings.CAS_VERSION = "3"
    settings.CAS_TIMEOUT = 5
    settings.PROFILE_ATTR_MAP = LDAP_PROFILE_ATTR_MAP
    settings.OFFICE_GROUP_MAP = {
        "学生出国事务办公室": [OUTBOUND_GROUP_DN],
        "港澳台事务办公室": [HMT_GROUP_DN],
    }
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "apps.accounts.cas.PortalCASBackend",
        "apps.accounts.backends.PortalModelBackend",
    ]
    # The people's attributes as they were: a test may change them (set_attributes).
    saved = json.loads(json.dumps(cas_server.people))
    yield settings
    cas_server.people = saved
    cas_server._write_people()
