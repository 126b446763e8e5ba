"""报名统计: counts per program, school and degree level for one track, and who may see them."""

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from apps.applications import services
from apps.applications.models import AdmissionResult, Application, Status
from apps.offices.statistics import KEYS, nice_ticks, statistics
from apps.programs.models import Program, Region
from tests.factories import ProgramFactory, StudentProfileFactory
from tests.offices.admin.conftest import WHO

pytestmark = pytest.mark.django_db

URL = reverse("admin:applications_application_statistics")


@pytest.fixture
def dataset(make_approved, make_submitted, make_draft, superuser):
    """Tokyo: 5 sent (1 waiting, 1 returned, 1 rejected, 2 approved of which 1 admitted),
    1 draft, 1 withdrawn. Kyoto: 1 approved, not admitted. Hong Kong (other track): 1
    approved and 1 returned."""
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
    returned = make_submitted(program=tokyo, owner=_student(), school="计算机学院")
    services.return_application(application=returned, actor=superuser, comment="请补充成绩单")
    make_draft(program=tokyo, owner=_student())
    withdrawn = make_submitted(program=tokyo, owner=_student())
    services.withdraw_application(application=withdrawn, user=withdrawn.student)
    not_admitted = make_approved(program=kyoto, school="外国语学院", degree_level="master")
    services.set_admission_result(
        application=not_admitted, result=AdmissionResult.NOT_ADMITTED, actor=superuser
    )
    make_approved(program=hongkong)
    returned = make_submitted(program=hongkong, owner=_student())
    services.return_application(application=returned, actor=superuser, comment="请补充")
    return tokyo, kyoto


def _student():
    return StudentProfileFactory().user


@translation.override("zh-hans")
def test_numbers_per_program_school_and_degree(dataset):
    stats = statistics([Region.INTERNATIONAL])

    # applicants, 待审核, 退回修改, 审核通过, 审核不通过, 录取, 未录取, 不满足申请条件, 已撤回, 草稿
    rows = {p.title: tuple(p.cells) for p in stats.programs}
    assert rows == {
        "东京大学本科生交换项目": (5, 1, 1, 2, 1, 1, 0, 0, 1, 1),
        "京都大学短期访学项目": (1, 0, 0, 1, 0, 0, 1, 0, 0, 0),
        "无人报名项目": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    assert stats.totals == {
        "applicants": 6,
        "pending": 1,
        "returned": 1,
        "approved": 3,
        "rejected": 1,
        "admitted": 1,
        "not_admitted": 1,
        "not_eligible": 0,
        "withdrawn": 1,
        "draft": 1,
    }
    schools = {r["label"]: (r["applicants"], r["approved"], r["admitted"]) for r in stats.by_school}
    assert schools["计算机学院"] == (4, 1, 1) and schools["外国语学院"] == (2, 2, 0)
    degrees = {r["label"]: r["applicants"] for r in stats.by_degree}
    assert degrees == {"本科": 4, "硕士": 2}
    assert_totals_add_up(stats)


def assert_totals_add_up(stats):
    """Each total is its column's sum, in every table; 报名人数 is the four sent states."""
    for rows in (stats.programs, stats.by_school, stats.by_degree, stats.by_region or None):
        if rows is None:
            continue
        cells = [row["cells"] if isinstance(row, dict) else row.cells for row in rows]
        assert [sum(column) for column in zip(*cells, strict=True)] == [
            stats.totals[key] for key in KEYS
        ]
    for program in stats.programs:
        assert program.applicants == (
            program.pending + program.returned + program.approved + program.rejected
        )


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


def read_sheets(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook}


def test_the_administrator_sees_both_tracks_side_by_side_with_totals(admin_client, dataset):
    page = admin_client.get(URL)

    stats = page.context["stats"]
    assert stats.both_tracks and page.context["region"] == "all"
    by_region = {row["label"]: row for row in stats.by_region}
    assert (by_region["国际"]["applicants"], by_region["港澳台"]["applicants"]) == (6, 2)
    assert (by_region["国际"]["returned"], by_region["港澳台"]["returned"]) == (1, 1)
    assert stats.totals["applicants"] == 8 and stats.totals["returned"] == 2
    assert_totals_add_up(stats)
    assert "东京大学本科生交换项目" in page.text and "香港大学学期交流项目" in page.text
    assert "按项目类别" in page.text and "退回修改" in page.text


def test_a_term_narrows_the_programs(admin_client, dataset):
    tokyo, kyoto = dataset
    Program.objects.filter(pk=kyoto.pk).update(term="2027年春季学期")

    page = admin_client.get(URL, {"region": "international", "term": "2027年春季学期"})
    assert [p.title for p in page.context["stats"].programs] == ["京都大学短期访学项目"]
    assert page.context["stats"].totals["applicants"] == 1
    assert "2027年春季学期" in page.context["terms"]
    # A term no program names is ignored, never a server error.
    other = admin_client.get(URL, {"region": "international", "term": "火星学期"})
    assert other.status_code == 200 and len(other.context["stats"].programs) == 3


def test_the_table_downloads_as_xlsx_with_totals_that_add_up(admin_client, dataset):
    ProgramFactory(title='=HYPERLINK("http://x")')
    sheets = read_sheets(admin_client.get(URL, {"download": "xlsx"}))

    assert list(sheets) == ["按项目类别", "按项目", "按学院", "按学历层次"]
    caption, header, *rows, total = sheets["按项目"]
    assert header[:4] == ["项目", "项目类别", "交流学期", "名额"]
    assert header[4:] == [
        "报名人数",
        "待审核",
        "退回修改",
        "审核通过",
        "审核不通过",
        "录取",
        "未录取",
        "不满足申请条件",
        "已撤回",
        "草稿（未提交）",
    ]
    assert total[0] == "合计"
    assert total[4:] == [sum(row[i] for row in rows) for i in range(4, len(header))]
    assert total[4] == 8
    assert '\'=HYPERLINK("http://x")' in [row[0] for row in rows]  # text, not a formula
    _caption, _header, *tracks, both = sheets["按项目类别"]
    assert [t[0] for t in tracks] == ["国际", "港澳台"]
    assert both[1:] == [a + b for a, b in zip(tracks[0][1:], tracks[1][1:], strict=True)]


def test_a_clerk_downloads_only_their_track(client, make_clerk, dataset):
    client.force_login(make_clerk(Region.HMT))
    sheets = read_sheets(client.get(URL, {"download": "xlsx"}))
    assert "按项目类别" not in sheets
    titles = [row[0] for row in sheets["按项目"][2:-1]]
    assert titles == ["香港大学学期交流项目"]
    assert client.get(URL, {"region": "all", "download": "xlsx"}).status_code == 403
