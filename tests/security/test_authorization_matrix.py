"""Who may open what: every URL pattern of the project, for every role.

The patterns come from the URL resolver (admin included), so a new URL without an
expectation below fails `test_every_url_pattern_has_an_expectation`, naming it. Adding
one is a single line in CASES: the route as the resolver prints it, the URL to request
(with ids from the shared fixture set), and the expected result for each role, in the
order of ROLES:

    anonymous  owner  other-student  other-track-clerk  track-clerk  superuser

Results: a status code (200, 403, 404, 405), `login` (302 to the portal's login page),
`admin-login` (302 to the admin login page) or `302` (a redirect anywhere else).

One fixture set is built once for the module; every request runs in a transaction that
is rolled back, so POSTs by the owner or the superuser change nothing for the next row.
The same responses feed the Content-Security-Policy check of every HTML page.
"""

import copy
import re
import traceback
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

# The mark makes pytest-django create the test database, which the module-scoped
# fixture set below is built in (and rolled back from).
pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other_student", "other_clerk", "clerk", "superuser"]

# route (as the resolver prints it) -> [(method, url, "one result per role")]
CASES = {
    # --- Student side ---------------------------------------------------------------------
    "": [("GET", "/", "login 200 200 200 200 200")],
    "programs/<str:region>/": [
        ("GET", "/programs/international/", "login 200 200 200 200 200"),
        # 只看我符合条件的项目: judged for whoever asks, the page the same for all alike.
        ("GET", "/programs/international/?eligible=1", "login 200 200 200 200 200"),
        ("GET", "/programs/nowhere/", "login 404 404 404 404 404"),
    ],
    "programs/<str:region>/<int:pk>/": [
        ("GET", "/programs/international/{program}/", "login 200 200 200 200 200"),
        ("GET", "/programs/hmt/{program}/", "login 404 404 404 404 404"),
    ],
    "programs/<str:region>/<int:pk>/calendar.ics": [
        ("GET", "/programs/international/{program}/calendar.ics", "login 200 200 200 200 200"),
        ("GET", "/programs/hmt/{program}/calendar.ics", "login 404 404 404 404 404"),
    ],
    "programs/<int:program_pk>/apply/": [
        ("GET", "/programs/{program}/apply/", "login 405 405 405 405 405"),
        ("POST", "/programs/{open_program}/apply/", "login 302 302 302 302 302"),
    ],
    "applications/": [("GET", "/applications/", "login 200 200 200 200 200")],
    "applications/<int:pk>/": [
        ("GET", "/applications/{admitted}/", "login 200 404 404 404 404"),
    ],
    "applications/<int:pk>/edit/": [
        ("GET", "/applications/{draft}/edit/", "login 200 404 404 404 404"),
        ("POST", "/applications/{draft}/edit/", "login 302 404 404 404 404"),
    ],
    "applications/<int:pk>/withdraw/": [
        ("GET", "/applications/{submitted}/withdraw/", "login 200 404 404 404 404"),
        ("POST", "/applications/{submitted}/withdraw/", "login 302 404 404 404 404"),
    ],
    "applications/<int:pk>/delete/": [
        ("GET", "/applications/{draft}/delete/", "login 200 404 404 404 404"),
        ("POST", "/applications/{draft}/delete/", "login 302 404 404 404 404"),
    ],
    "applications/<int:pk>/form.pdf": [
        ("GET", "/applications/{admitted}/form.pdf", "login 200 404 404 200 200"),
    ],
    "applications/verify/": [
        ("GET", "/applications/verify/", "login 403 403 200 200 200"),
    ],
    "applications/<int:pk>/attachments/<int:attachment_pk>/": [
        (
            "GET",
            "/applications/{admitted}/attachments/{attachment}/",
            "login 200 404 404 200 200",
        ),
        # A version the student replaced after a 退回修改: the office of the track only.
        (
            "GET",
            "/applications/{resubmitted}/attachments/{old_attachment}/",
            "login 404 404 404 200 200",
        ),
    ],
    "notices/<int:pk>/dismiss/": [
        ("GET", "/notices/{notice}/dismiss/", "login 405 404 404 404 404"),
        ("POST", "/notices/{notice}/dismiss/", "login 302 404 404 404 404"),
    ],
    "applications/<int:pk>/score/": [
        ("GET", "/applications/{submitted}/score/", "login 200 404 404 404 404"),
        ("POST", "/applications/{submitted}/score/", "login 200 404 404 404 404"),
    ],
    "applications/<int:pk>/summary/": [
        ("GET", "/applications/{admitted}/summary/", "login 200 404 404 404 404"),
        ("POST", "/applications/{admitted}/summary/", "login 302 404 404 404 404"),
    ],
    "accounts/login/": [("GET", "/accounts/login/", "200 302 302 302 302 302")],
    "accounts/logout/": [("POST", "/accounts/logout/", "login login login login login login")],
    # 统一身份认证 (CAS, on for this module): off to the CAS server, or home when signed in;
    # a ticket the (unreachable) server cannot validate gives the login page's 503.
    "accounts/cas/login/": [
        ("GET", "/accounts/cas/login/", "302 302 302 302 302 302"),
        ("GET", "/accounts/cas/login/?ticket=ST-1&next=/", "503 302 302 302 302 302"),
        ("POST", "/accounts/cas/login/", "302 302 302 302 302 302"),
    ],
    "accounts/profile/": [("GET", "/accounts/profile/", "login 200 200 200 200 200")],
    # Always the signed-in user's own data: there is no id to try another's.
    "accounts/profile/my-data/": [
        ("GET", "/accounts/profile/my-data/", "login 200 200 200 200 200"),
    ],
    # 日历订阅: POST only, always the signed-in user's own feed (no id to try another's).
    "accounts/profile/calendar/issue/": [
        ("GET", "/accounts/profile/calendar/issue/", "login 405 405 405 405 405"),
        ("POST", "/accounts/profile/calendar/issue/", "login 200 200 200 200 200"),
    ],
    "accounts/profile/calendar/revoke/": [
        ("GET", "/accounts/profile/calendar/revoke/", "login 405 405 405 405 405"),
        ("POST", "/accounts/profile/calendar/revoke/", "login 302 302 302 302 302"),
    ],
    # The feed's secret address is its only credential (calendar apps have no session):
    # whoever holds the owner's link sees the owner's dates, no other token opens it.
    "calendar/<str:token>.ics": [
        ("GET", "/calendar/{feed_token}.ics", "200 200 200 200 200 200"),
        ("GET", "/calendar/{other_token}.ics", "404 404 404 404 404 404"),
        ("POST", "/calendar/{feed_token}.ics", "405 405 405 405 405 405"),
    ],
    "i18n/setlang/": [("POST", "/i18n/setlang/", "302 302 302 302 302 302")],
    # For the load balancer: up or not, the same for everyone; it only reads.
    "healthz/": [
        ("GET", "/healthz/", "200 200 200 200 200 200"),
        ("POST", "/healthz/", "405 405 405 405 405 405"),
    ],
    # --- Admin: the site ----------------------------------------------------------------
    "admin/": [("GET", "/admin/", "admin-login admin-login admin-login 200 200 200")],
    # With CAS on (this module), an anonymous visitor is sent to the portal's login page.
    "admin/login/": [("GET", "/admin/login/", "login 200 200 302 302 302")],
    "admin/logout/": [("POST", "/admin/logout/", "302 302 302 login login login")],
    "admin/password_change/": [
        ("GET", "/admin/password_change/", "admin-login admin-login admin-login 200 200 200"),
    ],
    "admin/password_change/done/": [
        (
            "GET",
            "/admin/password_change/done/",
            "admin-login admin-login admin-login 200 200 200",
        ),
    ],
    "admin/autocomplete/": [
        ("GET", "/admin/autocomplete/", "admin-login admin-login admin-login 403 403 403"),
    ],
    "admin/jsi18n/": [("GET", "/admin/jsi18n/", "admin-login admin-login admin-login 200 200 200")],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        (
            "GET",
            "/admin/r/{program_type}/{program}/",
            "admin-login admin-login admin-login 302 302 302",
        ),
    ],
    "admin/<app_label>/": [
        ("GET", "/admin/auth/", "admin-login admin-login admin-login 404 404 200"),
        ("GET", "/admin/applications/", "admin-login admin-login admin-login 200 200 200"),
    ],
    "admin/(?P<url>.*)$": [
        ("GET", "/admin/no-such-page/", "admin-login admin-login admin-login 404 404 404"),
    ],
    # --- Admin: the registrar's roster, the administrator's alone ----------------------
    "admin/accounts/studentprofile/roster/import/": [
        (
            "GET",
            "/admin/accounts/studentprofile/roster/import/",
            "admin-login admin-login admin-login 403 403 200",
        ),
        (
            "POST",
            "/admin/accounts/studentprofile/roster/import/",
            "admin-login admin-login admin-login 403 403 200",
        ),
    ],
    "admin/accounts/studentprofile/roster/confirm/": [
        (
            "GET",
            "/admin/accounts/studentprofile/roster/confirm/",
            "admin-login admin-login admin-login 405 405 405",
        ),
        (
            "POST",
            "/admin/accounts/studentprofile/roster/confirm/",
            "admin-login admin-login admin-login 403 403 302",
        ),
    ],
    "admin/accounts/studentprofile/roster/template.csv": [
        (
            "GET",
            "/admin/accounts/studentprofile/roster/template.csv",
            "admin-login admin-login admin-login 403 403 200",
        ),
    ],
    # --- Admin: applications and their custom pages ------------------------------------
    "admin/applications/application/admission-results/import/": [
        (
            "GET",
            "/admin/applications/application/admission-results/import/",
            "admin-login admin-login admin-login 200 200 200",
        ),
    ],
    "admin/applications/application/admission-results/confirm/": [
        (
            "GET",
            "/admin/applications/application/admission-results/confirm/",
            "admin-login admin-login admin-login 405 405 405",
        ),
        (
            "POST",
            "/admin/applications/application/admission-results/confirm/",
            "admin-login admin-login admin-login 302 302 302",
        ),
    ],
    "admin/applications/application/admission-results/errors/": [
        (
            "GET",
            "/admin/applications/application/admission-results/errors/",
            "admin-login admin-login admin-login 405 405 405",
        ),
        (
            "POST",
            "/admin/applications/application/admission-results/errors/",
            "admin-login admin-login admin-login 302 302 302",
        ),
    ],
    # 撤销审核: the office head's permission (a clerk has it not: 403); the other track
    # does not see the application (404). 撤销录取结果: the administrator's.
    "admin/applications/application/<path:object_id>/revert-review/": [
        (
            "GET",
            "/admin/applications/application/{approved}/revert-review/",
            "admin-login admin-login admin-login 404 403 200",
        ),
        (
            "POST",
            "/admin/applications/application/{approved}/revert-review/",
            "admin-login admin-login admin-login 404 403 200",
        ),
    ],
    "admin/applications/application/<path:object_id>/revert-admission/": [
        (
            "GET",
            "/admin/applications/application/{admitted}/revert-admission/",
            "admin-login admin-login admin-login 404 403 200",
        ),
        (
            "POST",
            "/admin/applications/application/{admitted}/revert-admission/",
            "admin-login admin-login admin-login 404 403 200",
        ),
    ],
    "admin/applications/application/admission-results/template.csv": [
        (
            "GET",
            "/admin/applications/application/admission-results/template.csv",
            "admin-login admin-login admin-login 200 200 200",
        ),
    ],
    "admin/applications/application/<path:object_id>/admission-result/": [
        (
            "GET",
            "/admin/applications/application/{approved}/admission-result/",
            "admin-login admin-login admin-login 404 200 200",
        ),
    ],
    "admin/applications/application/export/<str:fmt>/": [
        (
            "GET",
            "/admin/applications/application/export/csv/",
            "admin-login admin-login admin-login 200 200 200",
        ),
        (
            "GET",
            "/admin/applications/application/export/exe/",
            "admin-login admin-login admin-login 404 404 404",
        ),
    ],
    "admin/applications/application/statistics/": [
        (
            "GET",
            "/admin/applications/application/statistics/",
            "admin-login admin-login admin-login 200 200 200",
        ),
    ],
    "admin/applications/application/<path:object_id>/review/<str:decision>/": [
        (
            "GET",
            "/admin/applications/application/{submitted}/review/return/",
            "admin-login admin-login admin-login 404 200 200",
        ),
        (
            "POST",
            "/admin/applications/application/{submitted}/review/approve/",
            "admin-login admin-login admin-login 404 302 302",
        ),
    ],
}

# The standard admin URLs of each registered model. For each: the object to open, then
# the results of the other track's clerk, the track's clerk and the superuser for the
# six views in ADMIN_VIEWS order (changelist, add, history, delete, change, bare id).
# Students and anonymous visitors are always sent to the admin login.
ADMIN_MODELS = {
    # Accounts and groups: the administrator's alone.
    "auth/group": (
        "{group}",
        "403 403 403 403 403 302",
        "403 403 403 403 403 302",
        "200 200 200 200 200 302",
    ),
    "auth/user": (
        "{owner_user}",
        "403 403 403 403 403 302",
        "403 403 403 403 403 302",
        "200 200 200 200 200 302",
    ),
    "accounts/studentprofile": (
        "{profile}",
        "403 403 403 403 403 302",
        "403 403 403 403 403 302",
        "200 200 200 200 200 302",
    ),
    # Lockouts are not per track: both offices see and unlock (an action, not delete)
    # students' lockouts, never staff accounts'.
    "accounts/loginlockout": (
        "{lockout}",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    # Evidence: read-only for everyone, the other track sees none of this track's rows.
    "core/auditentry": (
        "{audit}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    "applications/applicationevent": (
        "{event}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    # The track's own data. Programs: no delete permission for the offices; the superuser
    # may delete one. Applications and their parts: made by students through the services,
    # deleted by nobody (the retention purge removes old files).
    "programs/program": (
        "{program}",
        "200 200 404 404 404 302",
        "200 200 200 403 200 302",
        "200 200 200 200 200 302",
    ),
    "applications/application": (
        "{admitted}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    "attachments/attachment": (
        "{attachment}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    "scores/scoresupplement": (
        "{score}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
    "summaries/returnsummary": (
        "{summary}",
        "200 403 404 404 404 302",
        "200 403 200 403 200 302",
        "200 403 200 403 200 302",
    ),
}
ADMIN_VIEWS = [
    ("changelist", ""),
    ("add", "add/"),
    ("history", "{id}/history/"),
    ("delete", "{id}/delete/"),
    ("change", "{id}/change/"),
    ("redirect", "{id}/"),
]


def _admin_model_cases():
    cases = {}
    for prefix, (object_id, *per_role) in ADMIN_MODELS.items():
        other_clerk, clerk, superuser = (results.split() for results in per_role)
        for index, (_view, suffix) in enumerate(ADMIN_VIEWS):
            route = f"admin/{prefix}/{suffix.replace('{id}', '<path:object_id>')}"
            url = f"/admin/{prefix}/{suffix.replace('{id}', object_id)}"
            results = (
                f"admin-login admin-login admin-login "
                f"{other_clerk[index]} {clerk[index]} {superuser[index]}"
            )
            cases[route] = [("GET", url, results)]
    return cases


CASES.update(_admin_model_cases())
# Django's password page for a user, superuser only (the clerks have no user permissions).
CASES["admin/auth/user/<id>/password/"] = [
    (
        "GET",
        "/admin/auth/user/{owner_user}/password/",
        "admin-login admin-login admin-login 403 403 200",
    )
]


def walk(resolver=None, prefix=""):
    """Every URL pattern as the route string a reader would write, admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, prefix + str(pattern.pattern))
        elif pattern.name == "app_list":
            # A regex of every app label with an admin: one entry, whatever apps exist.
            yield prefix + "<app_label>/"
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


# --- The shared fixture set --------------------------------------------------------------


# Tracebacks of requests that failed with a 500, shown with the mismatches.
ERRORS = []


@dataclass
class Response:
    role: str
    method: str
    url: str
    status: int
    location: str
    content_type: str
    headers: dict
    body: str


def _build_world():
    """Programs, one student's applications in every state the URLs need, and the staff."""

    from apps.applications import services
    from apps.applications.models import AdmissionResult, Notice
    from apps.attachments.models import AttachmentKind
    from apps.programs.models import Region
    from apps.scores.models import ScoreSupplement
    from apps.scores.services import supplement_score
    from apps.summaries.services import save_summary
    from tests.builders import (
        COMPLETE,
        checked,
        office_group,
        office_groups,
        returned_and_fixed,
    )
    from tests.factories import ProgramFactory, StudentProfileFactory, UserFactory

    office_groups()
    owner = StudentProfileFactory(name="张晓明").user
    other_student = StudentProfileFactory(name="李四").user
    clerk = UserFactory(username="intl-clerk", is_staff=True)
    clerk.groups.add(office_group(Region.INTERNATIONAL))
    other_clerk = UserFactory(username="hmt-clerk", is_staff=True)
    other_clerk.groups.add(office_group(Region.HMT))
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)

    def application(program, *, submit=False):
        draft, _ = services.start_application(program=program, student=owner)
        draft = services.save_draft(
            application=draft,
            user=owner,
            changes=COMPLETE,
            new_files=[checked(AttachmentKind.TRANSCRIPT), checked(AttachmentKind.ENROLLMENT)],
        )
        if submit:
            return services.submit_application(application=draft, user=owner)
        return draft

    programs = [ProgramFactory(region=Region.INTERNATIONAL) for _ in range(6)]
    # The admitted one has begun (填写交流总结 opens on the program's first day).
    programs[3].start_date = timezone.localdate() - timedelta(days=30)
    programs[3].save(update_fields=["start_date"])
    draft = application(programs[0])
    submitted = application(programs[1], submit=True)
    approved = services.approve_application(
        application=application(programs[2], submit=True), actor=superuser
    )
    admitted = services.approve_application(
        application=application(programs[3], submit=True), actor=superuser
    )
    admitted = supplement_score(
        application=admitted, user=owner, language_test="ielts", score=Decimal("7"), proof=None
    )
    admitted = services.set_admission_result(
        application=admitted, result=AdmissionResult.ADMITTED, actor=superuser
    )
    summary = save_summary(application=admitted, user=owner, changes={})
    # Returned with the transcript ticked, replaced by the student, submitted again.
    resubmitted, old_attachment = returned_and_fixed(
        application(programs[5], submit=True),
        superuser,
        {AttachmentKind.TRANSCRIPT: "请上传最新成绩单。"},
    )
    lockout = AccessAttempt.objects.create(
        username=other_student.username,
        ip_address="10.1.2.3",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=5,
    )
    from apps.accounts import calendar_feeds
    from apps.core.models import AuditEntry

    feed_token = calendar_feeds.issue(owner)

    ids = {
        "program": programs[0].pk,
        "open_program": programs[4].pk,
        "program_type": ContentType.objects.get_for_model(programs[0]).pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "approved": approved.pk,
        "admitted": admitted.pk,
        "attachment": admitted.attachments.first().pk,
        "resubmitted": resubmitted.pk,
        "old_attachment": old_attachment.pk,
        "event": admitted.events.first().pk,
        "notice": Notice.objects.filter(student=owner).first().pk,
        "score": ScoreSupplement.objects.get(application=admitted).pk,
        "summary": summary.pk,
        "audit": AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(admitted), object_pk=str(admitted.pk)
        )
        .first()
        .pk,
        "profile": owner.profile.pk,
        "owner_user": owner.pk,
        "group": Group.objects.first().pk,
        "lockout": lockout.pk,
        "feed_token": feed_token,
        # The right shape, but nobody's.
        "other_token": "x" * len(feed_token),
    }
    users = {
        "anonymous": None,
        "owner": owner,
        "other_student": other_student,
        "other_clerk": other_clerk,
        "clerk": clerk,
        "superuser": superuser,
    }
    return ids, users


def _fetch_everything(ids, users):
    from django.core.signals import got_request_exception

    def note(sender, request, **kwargs):
        ERRORS.append(f"{request.method} {request.path}: " + traceback.format_exc(limit=-3))

    got_request_exception.connect(note, weak=False, dispatch_uid="matrix-errors")
    responses = []
    clients = {}
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        clients[role] = client
    for cases in CASES.values():
        for method, template, _expected in cases:
            url = template.format(**ids)
            for role in ROLES:
                client = clients[role]
                cookies = client.cookies
                client.cookies = copy.deepcopy(cookies)
                with transaction.atomic():
                    response = getattr(client, method.lower())(url)
                    transaction.set_rollback(True)
                client.cookies = cookies  # a logout's deleted session cookie, forgotten too
                content_type = response.get("Content-Type", "")
                body = ""
                if content_type.startswith("text/html") and not response.streaming:
                    body = response.content.decode()
                responses.append(
                    Response(
                        role,
                        method,
                        url,
                        response.status_code,
                        response.get("Location", ""),
                        content_type,
                        dict(response.headers),
                        body,
                    )
                )
                if response.streaming:
                    # Read to the end: the test client closes it without closing the
                    # database connection (response.close() here would).
                    b"".join(response.streaming_content)
    return responses


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings
    from django.db import connection

    media = tmp_path_factory.mktemp("matrix-media")
    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"not the test database: {name}"

    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "apps.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": media},
        },
    }
    with (
        override_settings(
            # CAS on, at an address nobody answers: no ticket is ever validated here.
            AUTH_METHODS=["ldap", "cas"],
            CAS_SERVER_URL="http://127.0.0.1:9/cas/",
            # (local accounts first: the roles sign in with force_login, as local users)
            AUTHENTICATION_BACKENDS=[
                "axes.backends.AxesStandaloneBackend",
                "apps.accounts.backends.PortalModelBackend",
                "apps.accounts.cas.PortalCASBackend",
            ],
            STORAGES=storages,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        ids, users = _build_world()
        responses = _fetch_everything(ids, users)
        transaction.set_rollback(True)
    return ids, responses


def _result(response):
    if response.status in (301, 302):
        if response.location.startswith("/accounts/login/"):
            return "login"
        if response.location.startswith("/admin/login/"):
            return "admin-login"
        return "302"
    return str(response.status)


# --- The tests ----------------------------------------------------------------------------


def routes_without_expectation():
    routes = list(walk())
    missing = [route for route in routes if route not in CASES]
    stale = [route for route in CASES if route not in routes]
    return missing, stale


def test_every_url_pattern_has_an_expectation():
    missing, stale = routes_without_expectation()

    assert not missing, "URL patterns without an expectation in CASES: " + ", ".join(missing)
    assert not stale, "expectations for URL patterns that no longer exist: " + ", ".join(stale)


def test_a_new_url_without_an_expectation_is_named(settings):
    # The error-page tests' URLconf: the project's URLs plus three of its own.
    settings.ROOT_URLCONF = "tests.security.error_urls"

    missing, stale = routes_without_expectation()

    assert missing == [
        "test-errors/403/",
        "test-errors/400/",
        "test-errors/500/",
        "test-errors/503/",
    ]
    assert stale == []


def test_every_case_names_one_result_per_role():
    wrong = [
        f"{route} {url}"
        for route, cases in CASES.items()
        for _method, url, expected in cases
        if len(expected.split()) != len(ROLES)
    ]
    assert not wrong, wrong


def test_every_role_gets_the_expected_result_on_every_url(world):
    _ids, responses = world
    actual = {(r.method, r.url, r.role): r for r in responses}
    mismatches = []
    for route, cases in CASES.items():
        for method, template, expected in cases:
            url = template.format(**_ids)
            for role, want in zip(ROLES, expected.split(), strict=True):
                got = _result(actual[(method, url, role)])
                if got != want:
                    mismatches.append(
                        f"{method} {url} ({route}) as {role}: expected {want}, got {got}"
                    )

    errors = "\n".join(ERRORS[:3])
    assert not mismatches, (
        f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches) + "\n" + errors
    )


def test_nobody_else_sees_the_students_name_on_a_refused_page(world):
    _ids, responses = world
    leaks = [
        f"{r.method} {r.url} as {r.role}"
        for r in responses
        if r.role in {"other_student", "other_clerk"} and r.status != 200 and "张晓明" in r.body
    ]
    assert not leaks, leaks


# --- Content-Security-Policy on every page ----------------------------------------------


class InlineCodeFinder(HTMLParser):
    """Inline <script>/<style> content, style="" and on*="" attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = attrs
            if "src" not in attrs and attrs.get("type") not in {"application/json"}:
                self.problems.append(f"inline <script {attrs}>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs.items():
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.problems.append(f'<{tag} {name}="{value}">')
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None and "src" in self._in_script and data.strip():
            self.problems.append("<script src> with a body")


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_inline_code_finder_finds_what_csp_would_block():
    page = (
        '<script>alert(1)</script><style>p{}</style><p style="color:red">x</p>'
        '<button onclick="go()">x</button><a href="javascript:go()">x</a>'
        '<script src="/static/a.js"></script>'
    )
    assert len(inline_code(page)) == 5


def test_every_html_page_has_the_csp_header_and_no_inline_code(world):
    _ids, responses = world
    pages = [r for r in responses if r.content_type.startswith("text/html") and r.body]
    problems = []
    for response in pages:
        headers = {name.lower(): value for name, value in response.headers.items()}
        csp = headers.get("content-security-policy", "")
        if "script-src 'self'" not in csp or "unsafe-inline" in csp:
            problems.append(f"{response.url} as {response.role}: CSP header is {csp!r}")
        for problem in inline_code(response.body):
            problems.append(f"{response.url} as {response.role}: {problem}")

    assert len({r.url for r in pages}) >= 40, "fewer HTML pages than expected were fetched"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))


def test_error_and_redirect_responses_carry_the_csp_header_too(world):
    _ids, responses = world
    missing = sorted(
        {
            f"{r.method} {r.url} ({r.status})"
            for r in responses
            if not re.match(r"application/(pdf|vnd)|text/csv", r.content_type)
            and "content-security-policy" not in {n.lower() for n in r.headers}
        }
    )
    assert not missing, missing
