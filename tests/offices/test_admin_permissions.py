"""Who may do what in the offices' admin: every admin URL and action of the back-office,
walked by the anonymous visitor, a student, the other track's clerk, the track's clerk
and a superuser. The other track gets 404/403 or nothing done, never the data."""

import pytest
from django.urls import reverse

from apps.applications.models import Status
from apps.programs.models import Program, Region
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "欧阳隐藏"
ROLES = ["anonymous", "student", "other_clerk", "clerk", "superuser"]


@pytest.fixture
def world(make_submitted, clerk, hmt_clerk, superuser):
    program = ProgramFactory(
        region=Region.INTERNATIONAL, title="秘密大学交换项目", term="2027年春季学期"
    )
    application = make_submitted(program=program, name=SECRET_NAME)
    users = {
        "anonymous": None,
        "student": StudentProfileFactory().user,
        "other_clerk": hmt_clerk,
        "clerk": clerk,
        "superuser": superuser,
    }
    return {"program": program, "application": application, "users": users}


def _get(url):
    return lambda client, w: client.get(url(w))


def _post(url, data):
    return lambda client, w: client.post(url(w), data(w))


def app_url(name, *extra):
    return lambda w: reverse(
        f"admin:applications_application_{name}", args=[w["application"].pk, *extra]
    )


def action(name, **extra):
    return lambda w: {"action": name, "_selected_action": [w["application"].pk], **extra}


CHANGELIST = lambda w: reverse("admin:applications_application_changelist")  # noqa: E731
PROGRAMS = lambda w: reverse("admin:programs_program_changelist")  # noqa: E731

# (name, request, what the track's own clerk should have caused, or None for a read)
CASES = [
    ("application list", _get(CHANGELIST), None),
    ("application page", _get(app_url("change")), None),
    ("application history", _get(app_url("history")), None),
    ("reject page", _get(app_url("review", "reject")), None),
    ("return page", _get(app_url("review", "return")), None),
    ("approve button", _post(app_url("review", "approve"), lambda w: {}), Status.APPROVED),
    (
        "reject button",
        _post(app_url("review", "reject"), lambda w: {"comment": "不符合条件"}),
        Status.REJECTED,
    ),
    (
        "return button",
        _post(app_url("review", "return"), lambda w: {"comment": "请补材料"}),
        Status.RETURNED,
    ),
    ("approve action", _post(CHANGELIST, action("approve_selected", apply="1")), Status.APPROVED),
    (
        "reject action",
        _post(CHANGELIST, action("reject_selected", apply="1", comment="不符合条件")),
        Status.REJECTED,
    ),
    (
        "return action",
        _post(CHANGELIST, action("return_selected", apply="1", comment="请补材料")),
        Status.RETURNED,
    ),
    ("program list", _get(PROGRAMS), None),
    (
        "program page",
        _get(lambda w: reverse("admin:programs_program_change", args=[w["program"].pk])),
        None,
    ),
    (
        "program edit",
        _post(
            lambda w: reverse("admin:programs_program_change", args=[w["program"].pk]),
            lambda w: {"title": "改名了"},
        ),
        None,
    ),
    (
        "duplicate action",
        _post(
            PROGRAMS,
            lambda w: {"action": "duplicate_for_next_term", "_selected_action": [w["program"].pk]},
        ),
        "copied",
    ),
    ("audit log", _get(lambda w: reverse("admin:core_auditentry_changelist")), None),
    (
        "history rows",
        _get(lambda w: reverse("admin:applications_applicationevent_changelist")),
        None,
    ),
    ("attachments", _get(lambda w: reverse("admin:attachments_attachment_changelist")), None),
    (
        "attachment page",
        _get(
            lambda w: reverse(
                "admin:attachments_attachment_change",
                args=[w["application"].attachments.first().pk],
            )
        ),
        None,
    ),
]


def _outcome(world):
    application = world["application"]
    application.refresh_from_db()
    copies = Program.objects.filter(title=world["program"].title).count() - 1
    return application.status, copies


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_admin_permission_matrix(client, world, role, case):
    _, send, effect = case
    user = world["users"][role]
    if user is not None:
        client.force_login(user)

    response = send(client, world)
    status, copies = _outcome(world)

    if role in ("anonymous", "student"):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert (status, copies) == (Status.SUBMITTED, 0)
    elif role == "other_clerk":
        if response.status_code == 200:
            assert SECRET_NAME not in response.text
            assert world["program"].title not in response.text
        else:
            assert response.status_code in (302, 403, 404)
        assert (status, copies) == (Status.SUBMITTED, 0), "nothing happens to another track"
    else:
        assert response.status_code in (200, 302)
        if effect == "copied":
            assert copies == 1
        elif effect is not None:
            assert status == effect
        elif response.request["REQUEST_METHOD"] == "GET":
            assert response.status_code == 200


def test_the_other_tracks_object_pages_are_not_found(client, world):
    client.force_login(world["users"]["other_clerk"])
    urls = [
        reverse("admin:applications_application_change", args=[world["application"].pk]),
        reverse("admin:applications_application_review", args=[world["application"].pk, "approve"]),
        reverse("admin:programs_program_change", args=[world["program"].pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"comment": "x", "title": "x"}).status_code == 404, url


def test_a_clerk_has_no_delete_and_cannot_add_applications(client, world):
    client.force_login(world["users"]["clerk"])
    application = world["application"]
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    delete = reverse("admin:applications_application_delete", args=[application.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    program_delete = reverse("admin:programs_program_delete", args=[world["program"].pk])
    assert client.post(program_delete, {"post": "yes"}).status_code == 403
    assert type(application).objects.filter(pk=application.pk).exists()


def test_an_unknown_review_decision_is_refused(client, world):
    client.force_login(world["users"]["clerk"])
    url = reverse("admin:applications_application_review", args=[world["application"].pk, "admit"])
    assert client.post(url).status_code == 403
