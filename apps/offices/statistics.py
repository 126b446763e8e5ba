"""报名统计: counts per program, school and degree level, for one track or (the
administrator) both side by side; a bar chart as SVG, and the tables as one XLSX.

报名人数 counts the applications that reached the office (待审核, 退回修改, 审核通过,
审核不通过): drafts were never sent and withdrawn ones were taken back; both are
counted apart, as is every status and result. Each table is one aggregate query,
however many programs there are.
"""

import io
import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import DegreeLevel
from apps.applications.models import AdmissionResult, Application, Eligibility, Status
from apps.programs.models import Program, Region

from .exports import _inert

SENT = [Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.REJECTED]

# (key, column title, colour in the chart, what it counts); the chart draws CHART_MEASURES.
MEASURES = [
    ("applicants", gettext_lazy("报名人数"), "#79aec8", Q(status__in=SENT)),
    ("pending", Status.SUBMITTED.label, "#c4a35a", Q(status=Status.SUBMITTED)),
    ("returned", Status.RETURNED.label, "#b45309", Q(status=Status.RETURNED)),
    ("approved", Status.APPROVED.label, "#417690", Q(status=Status.APPROVED)),
    ("rejected", Status.REJECTED.label, "#c62828", Q(status=Status.REJECTED)),
    (
        "admitted",
        gettext_lazy("录取"),
        "#2e7d32",
        Q(status=Status.APPROVED, admission_result=AdmissionResult.ADMITTED),
    ),
    (
        "not_admitted",
        gettext_lazy("未录取"),
        "#6d4c41",
        Q(status=Status.APPROVED, admission_result=AdmissionResult.NOT_ADMITTED),
    ),
    (
        "not_eligible",
        gettext_lazy("不满足申请条件"),
        "#8e24aa",
        Q(status__in=SENT, eligibility=Eligibility.NOT_MET),
    ),
    ("withdrawn", Status.WITHDRAWN.label, "#757575", Q(status=Status.WITHDRAWN)),
    ("draft", gettext_lazy("草稿（未提交）"), "#9e9e9e", Q(status=Status.DRAFT)),
]
KEYS = [key for key, *_rest in MEASURES]
CHART_MEASURES = ["applicants", "approved", "admitted"]


def _prefixed(condition, prefix):
    """`condition` over `prefix` + its fields (applications__status for a program's)."""
    return Q(
        *[
            _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
            for child in condition.children
        ],
        _connector=condition.connector,
        _negated=condition.negated,
    )


def _counts(prefix=""):
    """Every measure as a Count aggregate, over `prefix` + application fields."""
    return {
        key: Count(f"{prefix}pk" if prefix else "pk", filter=_prefixed(condition, prefix))
        for key, _label, _colour, condition in MEASURES
    }


@dataclass
class Statistics:
    regions: list
    programs: list
    by_school: list
    by_degree: list
    by_region: list
    totals: dict

    @property
    def both_tracks(self):
        return len(self.regions) > 1


def _with_cells(row):
    row["cells"] = [row[key] for key in KEYS]
    return row


def statistics(regions, year=None, term=None):
    """Everything the statistics page shows for `regions` (one track, or both), narrowed
    to the programs opening in `year` and of `term`; four queries."""
    programs = Program.objects.filter(region__in=regions)
    if year:
        programs = programs.filter(opens_at__year=year)
    if term:
        programs = programs.filter(term=term)
    applications = Application.objects.filter(program__in=programs.values("pk"))
    programs = list(programs.annotate(**_counts("applications__")).order_by("-opens_at", "pk"))
    for program in programs:
        program.cells = [getattr(program, key) for key in KEYS]
        program.region_label = Region(program.region).label
    by_school = [
        _with_cells({**row, "label": row["school"] or _("未填写")})
        for row in applications.values("school")
        .annotate(**_counts())
        .order_by("-applicants", "school")
    ]
    degrees = dict(DegreeLevel.choices)
    by_degree = [
        _with_cells({**row, "label": degrees.get(row["degree_level"]) or _("未填写")})
        for row in applications.values("degree_level")
        .annotate(**_counts())
        .order_by("-applicants", "degree_level")
    ]
    totals = {key: sum(getattr(p, key) for p in programs) for key in KEYS}
    by_region = []
    if len(regions) > 1:
        per_region = {region: dict.fromkeys(KEYS, 0) for region in regions}
        for program in programs:
            for key in KEYS:
                per_region[program.region][key] += getattr(program, key)
        by_region = [
            _with_cells({**counts, "region": region, "label": Region(region).label})
            for region, counts in per_region.items()
        ]
    return Statistics(regions, programs, by_school, by_degree, by_region, totals)


def years(regions):
    programs = Program.objects.filter(region__in=regions)
    return [d.year for d in programs.dates("opens_at", "year", "DESC")]


def terms(regions, year=None):
    """The terms (交流学期) the programs of `regions` name, newest programs' first."""
    programs = Program.objects.filter(region__in=regions).exclude(term="")
    if year:
        programs = programs.filter(opens_at__year=year)
    seen = {}
    for term in programs.order_by("-opens_at").values_list("term", flat=True)[:2000]:
        seen.setdefault(term, None)
    return list(seen)


# --- The tables as XLSX ----------------------------------------------------------------


def _text(value):
    """Counts stay numbers; words (lazy or typed, a title may start with "=") inert text."""
    return value if value is None or isinstance(value, int) else _inert(str(value))


def xlsx_bytes(stats, caption):
    """The page's tables, one sheet each, with their totals (a number cell per count)."""
    import openpyxl
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    labels = [str(label) for _key, label, *_rest in MEASURES]

    def sheet(title, heading, rows, total=None):
        ws = workbook.create_sheet(title)
        ws.append([_text(caption)])
        ws.append([_text(value) for value in (*heading, *labels)])
        for cell in ws[2]:
            cell.font = bold
        for row in rows:
            ws.append([_text(value) for value in row])
        if total is not None:
            ws.append([_text(value) for value in total])
            for cell in ws[ws.max_row]:
                cell.font = bold
        ws.freeze_panes = "A3"
        ws.column_dimensions["A"].width = 36
        return ws

    totals = [stats.totals[key] for key in KEYS]
    if stats.both_tracks:
        sheet(
            _("按项目类别"),
            [_("项目类别")],
            [[row["label"], *row["cells"]] for row in stats.by_region],
            [_("合计"), *totals],
        )
    region_column = [_("项目类别")] if stats.both_tracks else []
    sheet(
        _("按项目"),
        [_("项目"), *region_column, _("交流学期"), _("名额")],
        [
            [
                p.title,
                *([str(p.region_label)] if stats.both_tracks else []),
                p.term,
                p.quota,
                *p.cells,
            ]
            for p in stats.programs
        ],
        [_("合计"), *([""] if stats.both_tracks else []), "", "", *totals],
    )
    for title, heading, rows in (
        (_("按学院"), _("学院"), stats.by_school),
        (_("按学历层次"), _("学历层次"), stats.by_degree),
    ):
        sheet(title, [heading], [[str(row["label"]), *row["cells"]] for row in rows])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The chart -----------------------------------------------------------------------

LABEL_WIDTH = 230
PLOT_WIDTH = 520
BAR = 11
BAR_GAP = 2
GROUP_GAP = 14
TOP = 34
LABEL_CHARS = 17


def nice_ticks(maximum, count=5):
    """Round tick values from 0 to at least `maximum` (1, 2, 5 × 10ⁿ steps)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def bar_chart(programs):
    """Geometry for a grouped horizontal bar chart: one group of bars per program."""
    colours = {key: colour for key, _label, colour, _q in MEASURES}
    labels = {key: label for key, label, _colour, _q in MEASURES}
    shown = [p for p in programs if p.applicants]
    maximum = max((getattr(p, k) for p in shown for k in CHART_MEASURES), default=0)
    ticks = nice_ticks(maximum)
    scale = PLOT_WIDTH / ticks[-1]
    group_height = len(CHART_MEASURES) * (BAR + BAR_GAP) - BAR_GAP
    groups = []
    for index, program in enumerate(shown):
        top = TOP + index * (group_height + GROUP_GAP)
        title = program.title
        short = title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…"
        bars = []
        for position, key in enumerate(CHART_MEASURES):
            value = getattr(program, key)
            y = top + position * (BAR + BAR_GAP)
            bars.append(
                {
                    "x": LABEL_WIDTH,
                    "y": y,
                    "width": round(value * scale, 1),
                    "height": BAR,
                    "colour": colours[key],
                    "value": value,
                    "label": labels[key],
                    "text_x": LABEL_WIDTH + round(value * scale, 1) + 4,
                    "text_y": y + BAR - 2,
                }
            )
        groups.append(
            {"title": title, "short": short, "label_y": top + group_height / 2 + 4, "bars": bars}
        )
    height = TOP + len(shown) * (group_height + GROUP_GAP) + 10
    return {
        "width": LABEL_WIDTH + PLOT_WIDTH + 40,
        "height": height,
        "plot_left": LABEL_WIDTH,
        "plot_bottom": height - 10,
        "ticks": [{"x": LABEL_WIDTH + round(t * scale, 1), "value": t} for t in ticks],
        "groups": groups,
        "legend": [
            {"x": LABEL_WIDTH + i * 110, "colour": colours[k], "label": labels[k]}
            for i, k in enumerate(CHART_MEASURES)
        ],
    }
