"""申请条件 in the back-office: edited on the program, shown, filtered and exported with
the applications."""

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from apps.applications.models import Eligibility
from apps.programs.models import ProgramRequirement, RequirementKind
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.offices.admin.test_exports import export_url, read_csv

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:applications_application_changelist")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _program_form(program, rows):
    data = {
        "region": program.region,
        "title": program.title,
        "partner": program.partner,
        "country": program.country,
        "is_published": "on",
        "start_date": program.start_date.isoformat(),
        "end_date": program.end_date.isoformat(),
        "opens_at_0": f"{localtime(program.opens_at):%Y-%m-%d}",
        "opens_at_1": f"{localtime(program.opens_at):%H:%M:%S}",
        "closes_at_0": f"{localtime(program.closes_at):%Y-%m-%d}",
        "closes_at_1": f"{localtime(program.closes_at):%H:%M:%S}",
        "requirements-TOTAL_FORMS": str(len(rows)),
        "requirements-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        data |= {f"requirements-{i}-{name}": value for name, value in row.items()}
    return data


def test_requirements_added_in_admin_judge_the_received_applications(clerk_client, make_submitted):
    program = ProgramFactory()
    application = make_submitted(program=program)  # 软件工程
    url = reverse("admin:programs_program_change", args=[program.pk])

    row = {"kind": "major", "names": "临床医学、口腔医学", "required": "on"}
    response = clerk_client.post(
        url,
        _program_form(program, [row]),
        follow=True,
    )

    assert "已重新核对 1 份申请" in response.text
    application.refresh_from_db()
    assert (application.eligibility, application.requirements_unmet) == (
        Eligibility.NOT_MET,
        ["major"],
    )


@pytest.mark.parametrize(
    "row, field",
    [
        ({"kind": "language", "minimum": "6.5"}, "外语考试类型"),
        ({"kind": "language", "language_test": "ielts", "minimum": "65"}, "雅思 IELTS 的成绩"),
        ({"kind": "year", "minimum": "1.5"}, "年级应为 1 到 10 之间的整数"),
        ({"kind": "college", "names": "、，"}, "请填写至少一个学院或专业名称"),
        ({"kind": "degree"}, "学历层次"),
    ],
)
def test_an_incomplete_requirement_is_refused_with_its_reason(clerk_client, row, field):
    program = ProgramFactory()
    url = reverse("admin:programs_program_change", args=[program.pk])
    response = clerk_client.post(url, _program_form(program, [row]))
    assert response.status_code == 200
    assert field in response.text
    assert not ProgramRequirement.objects.exists()


def test_the_office_list_shows_and_filters_applications_not_meeting_a_requirement(
    clerk_client, make_submitted
):
    program = ProgramFactory()
    ProgramRequirement.objects.create(program=program, kind=RequirementKind.MAJOR, names="软件工程")
    fits = make_submitted(program=program)
    unfit = make_submitted(program=program, owner=StudentProfileFactory().user, major="法学")

    listing = clerk_client.get(CHANGELIST).text
    assert "✗ 不满足：专业" in listing and "✓ 满足" in listing

    filtered = clerk_client.get(CHANGELIST, {"eligibility__exact": "not_met"})
    assert [a.pk for a in filtered.context["cl"].result_list] == [unfit.pk]
    assert fits.pk not in [a.pk for a in filtered.context["cl"].result_list]


def test_the_export_carries_the_requirement_column(clerk_client, make_submitted):
    program = ProgramFactory()
    ProgramRequirement.objects.create(program=program, kind=RequirementKind.MAJOR, names="法学")
    make_submitted(program=program)
    header, row = read_csv(clerk_client.get(export_url("csv")))
    assert row[header.index("申请条件")] == "✗ 不满足：专业"
