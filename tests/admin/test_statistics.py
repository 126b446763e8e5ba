"""报名统计: counts per program, school and degree level for one track, and who may see them."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from apps.applications import services
from apps.applications.models import AdmissionResult, Application, Status
from apps.applications.statistics import nice_ticks, track_statistics
from apps.programs.models import Program, Region
from tests.admin.conftest import WHO
from tests.factories import ProgramFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:applications_application_statistics")


@pytest.fixture
def dataset(make_approved, make_submitted, make_draft, superuser):
    """Tokyo: 4 sent (1 waiting, 1 rejected, 2 approved of which 1 admitted), 1 draft,
    1 withdrawn. Kyoto: 1 approved, not admitted. Hong Kong (other track): 1 approved."""
    tokyo = ProgramFactory(title="东京大学本科生交换项目", quota=3)
    kyoto = ProgramFactory(title="京都大学短期访学项目")
    ProgramFactory(title="无人报名项目")
    hongkong = ProgramFactory(title="香港大学学期交流项目", region=Region.HMT)
    admitted = make_approved(program=tokyo, school="计算机学院", degree_level="undergraduate")
    services.set_admission_result(
        application=admitted, result=AdmissionResult.ADMITTED, actor=superuser
    )
    make_approved(program=tokyo, school="外国语学院", degree_level="master")
    make_submitted(program=tokyo, owner=_student(), school="计算机学院")
    rejected = make_submitted(program=tokyo, owner=_student(), school="计算机学院")
    Application.objects.filter(pk=rejected.pk).update(status=Status.REJECTED)
    make_draft(program=tokyo, owner=_student())
    withdrawn = make_submitted(program=tokyo, owner=_student())
    services.withdraw_application(application=withdrawn, user=withdrawn.student)
    not_admitted = make_approved(program=kyoto, school="外国语学院", degree_level="master")
    services.set_admission_result(
        application=not_admitted, result=AdmissionResult.NOT_ADMITTED, actor=superuser
    )
    make_approved(program=hongkong)
    return tokyo, kyoto


def _student():
    return StudentProfileFactory().user


@translation.override("zh-hans")
def test_numbers_per_program_school_and_degree(dataset):
    stats = track_statistics(Region.INTERNATIONAL)

    rows = {p.title: (p.applicants, p.pending, p.approved, p.admitted) for p in stats.programs}
    assert rows == {
        "东京大学本科生交换项目": (4, 1, 2, 1),
        "京都大学短期访学项目": (1, 0, 1, 0),
        "无人报名项目": (0, 0, 0, 0),
    }
    assert stats.totals == {"applicants": 5, "pending": 1, "approved": 3, "admitted": 1}
    schools = {r["label"]: (r["applicants"], r["approved"], r["admitted"]) for r in stats.by_school}
    assert schools == {"计算机学院": (3, 1, 1), "外国语学院": (2, 2, 0)}
    degrees = {r["label"]: r["applicants"] for r in stats.by_degree}
    assert degrees == {"本科": 3, "硕士": 2}


def test_page_shows_the_track_with_a_chart(admin_client, dataset):
    response = admin_client.get(URL, {"region": "international"})
    assert response.status_code == 200
    assert "<svg" in response.text and "东京大学本科生交换项目" in response.text
    assert "香港大学学期交流项目" not in response.text
    hmt = admin_client.get(URL, {"region": "hmt"})
    assert "香港大学学期交流项目" in hmt.text and "东京大学本科生交换项目" not in hmt.text


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_programs(admin_client, make_approved):
    make_approved()
    with_one = count_queries(admin_client)
    for _ in range(20):
        make_approved()
    assert count_queries(admin_client) == with_one <= 8


@pytest.mark.parametrize("who", WHO)
def test_statistics_permissions(login, dataset, who):
    client = login(who)
    own = client.get(URL, {"region": "international"})
    if who in ("anonymous", "student"):
        assert own.status_code == 302
    elif who == "other_clerk":
        assert own.status_code == 403
        default = client.get(URL)
        assert default.status_code == 200 and "东京大学本科生交换项目" not in default.text
    else:
        assert own.status_code == 200 and "东京大学本科生交换项目" in own.text


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(12) == [0, 5, 10, 15]


def test_a_year_narrows_the_programs_and_an_unknown_track_is_refused(admin_client, make_approved):
    old = ProgramFactory(title="往年项目")
    make_approved(program=old)
    earlier = timezone.make_aware(datetime(2024, 3, 1))
    Program.objects.filter(pk=old.pk).update(
        opens_at=earlier, closes_at=earlier + timedelta(days=30)
    )
    make_approved(program=ProgramFactory(title="今年项目"))

    page = admin_client.get(URL, {"region": "international", "year": "2024"})
    assert [p.title for p in page.context["stats"].programs] == ["往年项目"]
    assert page.context["stats"].totals["applicants"] == 1
    assert 2024 in page.context["years"]
    assert admin_client.get(URL, {"region": "mars"}).status_code == 403
