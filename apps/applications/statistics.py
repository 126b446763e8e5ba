"""报名统计 per track: counts per program, school and degree level, and a bar chart as SVG.

报名人数 counts the applications that reached the office (待审核, 退回修改, 审核通过,
审核不通过): drafts were never sent and withdrawn ones were taken back. Each table
is one aggregate query, however many programs there are.
"""

import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import DegreeLevel
from apps.programs.models import Program

from .models import AdmissionResult, Application, Status

SENT = [Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.REJECTED]

# (key, column title, colour in the chart); the chart draws all but 待审核.
MEASURES = [
    ("applicants", gettext_lazy("报名人数"), "#79aec8"),
    ("pending", gettext_lazy("待审核"), "#c4a35a"),
    ("approved", gettext_lazy("审核通过"), "#417690"),
    ("admitted", gettext_lazy("录取"), "#2e7d32"),
]
CHART_MEASURES = ["applicants", "approved", "admitted"]


def _counts(prefix=""):
    """The four measures as Count aggregates, over `prefix` + application fields."""
    status, result = f"{prefix}status", f"{prefix}admission_result"
    pk = f"{prefix}pk" if prefix else "pk"
    return {
        "applicants": Count(pk, filter=Q(**{f"{status}__in": SENT})),
        "pending": Count(pk, filter=Q(**{status: Status.SUBMITTED})),
        "approved": Count(pk, filter=Q(**{status: Status.APPROVED})),
        "admitted": Count(
            pk, filter=Q(**{status: Status.APPROVED, result: AdmissionResult.ADMITTED})
        ),
    }


@dataclass
class TrackStatistics:
    programs: list
    by_school: list
    by_degree: list
    totals: dict


def track_statistics(region, year=None):
    """Everything the statistics page shows for one track, in three queries."""
    programs = Program.objects.in_region(region)
    applications = Application.objects.in_region(region).filter(status__in=SENT)
    if year:
        programs = programs.filter(opens_at__year=year)
        applications = applications.filter(program__opens_at__year=year)
    programs = list(programs.annotate(**_counts("applications__")).order_by("-opens_at", "pk"))
    by_school = [
        {**row, "label": row["school"] or _("未填写")}
        for row in applications.values("school")
        .annotate(**_counts())
        .order_by("-applicants", "school")
    ]
    degrees = dict(DegreeLevel.choices)
    by_degree = [
        {**row, "label": degrees.get(row["degree_level"]) or _("未填写")}
        for row in applications.values("degree_level")
        .annotate(**_counts())
        .order_by("-applicants", "degree_level")
    ]
    totals = {key: sum(getattr(p, key) for p in programs) for key, _label, _colour in MEASURES}
    return TrackStatistics(programs, by_school, by_degree, totals)


def years(region):
    return [d.year for d in Program.objects.in_region(region).dates("opens_at", "year", "DESC")]


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
    colours = {key: colour for key, _label, colour in MEASURES}
    labels = {key: label for key, label, _colour in MEASURES}
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
