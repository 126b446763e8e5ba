"""The office's files: the application list as XLSX or CSV, and attachments as one ZIP.

The list's columns include 学号, 项目编号, 项目 and 录取结果 under the headers the result
import reads (`result_files.py`), so an exported file can be filled in and imported back. A
clerk works from the sheet: the student's phone and email, the test and its score (a
number cell in XLSX), and when the application was submitted, decided and answered.
"""

import csv
import io
import re

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.applications.models import (
    AdmissionResult,
    Application,
    ApplicationEvent,
    Eligibility,
    EventKind,
    LanguageTest,
    Status,
    score_text,
)
from apps.attachments.models import Attachment
from apps.programs.models import RequirementKind

from .result_files import (
    HEADER_PROGRAM,
    HEADER_PROGRAM_ID,
    HEADER_RESULT,
    HEADER_STUDENT_ID,
)

CHUNK = 2000
EXCEL_BOM = "\ufeff"

HEADERS = [
    HEADER_STUDENT_ID,
    gettext_lazy("姓名"),
    gettext_lazy("英文姓名"),
    gettext_lazy("性别"),
    gettext_lazy("手机号码"),
    gettext_lazy("电子邮箱"),
    gettext_lazy("学院"),
    gettext_lazy("专业"),
    gettext_lazy("学历层次"),
    gettext_lazy("年级"),
    HEADER_PROGRAM_ID,
    HEADER_PROGRAM,
    gettext_lazy("合作院校"),
    gettext_lazy("审核状态"),
    HEADER_RESULT,
    gettext_lazy("外语考试类型"),
    gettext_lazy("外语成绩"),
    gettext_lazy("申请条件"),
    gettext_lazy("护照号码"),
    gettext_lazy("提交时间"),
    gettext_lazy("审核时间"),
    gettext_lazy("录取结果时间"),
]
# The last columns are times (date cells in XLSX).
TIME_COLUMNS = 3
DECIDED = (Status.APPROVED, Status.REJECTED, Status.RETURNED)


def mask_passport(number):
    """E12345678 → E12****78: enough to match a passport in hand, not enough to use it."""
    if not number:
        return ""
    if len(number) <= 5:
        return number[0] + "*" * (len(number) - 1)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def _latest_event(kind, value_field):
    """When the application's history last moved `kind` to the value it holds now."""
    events = ApplicationEvent.objects.filter(
        application=OuterRef("pk"), kind=kind, to_value=OuterRef(value_field)
    ).order_by("-created_at", "-pk")
    return Subquery(events.values("created_at")[:1])


def export_queryset(queryset):
    """The rows to export, with what every row needs fetched in the same query: the
    decision's and the admission result's times come from the history (the event that
    set today's status or result, so a decision taken back leaves no stale time)."""
    return (
        queryset.select_related("student", "program")
        .annotate(
            decided_at=_latest_event(EventKind.STATUS, "status"),
            answered_at=_latest_event(EventKind.ADMISSION, "admission_result"),
        )
        .order_by("program_id", "student__username")
    )


CHOICE_FIELDS = ["gender", "degree_level", "status", "admission_result", "language_test"]


def _choice_labels():
    """{field: {value: label}} translated once per export: get_FOO_display per cell is slow."""
    return {
        name: {value: str(label) for value, label in Application._meta.get_field(name).flatchoices}
        for name in CHOICE_FIELDS
    }


def _row(application, timestamp, score_cell, labels, to_be_added):
    def label(name):
        value = getattr(application, name)
        return labels[name].get(value, value)

    if application.language_score is not None:
        # A number (a number cell in XLSX): the sheet can sort and filter it.
        score = score_cell(application.language_test, application.language_score)
    else:
        score = "" if application.is_editable else to_be_added
    decided = application.decided_at if application.status in DECIDED else None
    answered = (
        application.answered_at if application.admission_result != AdmissionResult.PENDING else None
    )
    return [
        application.student.username,
        application.name,
        application.name_en,
        label("gender"),
        application.phone,
        application.email,
        application.school,
        application.major,
        label("degree_level"),
        str(application.enrollment_year or ""),
        application.program_id,
        application.program.title,
        application.program.partner,
        label("status"),
        label("admission_result"),
        label("language_test"),
        score,
        eligibility_label(application.eligibility, application.requirements_unmet),
        mask_passport(application.passport_number),
        *(
            timestamp(timezone.localtime(moment)) if moment else ""
            for moment in (application.submitted_at, decided, answered)
        ),
    ]


_MARKS = {Eligibility.MET: "✓", Eligibility.NOT_MET: "✗", Eligibility.UNKNOWN: "?"}


def eligibility_label(eligibility, unmet):
    """ "✗ 不满足：外语成绩、年级", "✓ 满足", "? 暂无法判断", or "—" (never submitted): the
    office's list and exports, a mark and words, never a colour alone."""
    if not eligibility:
        return "—"
    text = f"{_MARKS[eligibility]} {Eligibility(eligibility).label}"
    if unmet:
        kinds = _("、").join(str(RequirementKind(k).label) for k in unmet if k in _KINDS)
        text = _("%(verdict)s：%(kinds)s") % {"verdict": text, "kinds": kinds}
    return text


_KINDS = frozenset(RequirementKind.values)


def _rows(queryset, timestamp, score_cell):
    """Each application's cells; `timestamp` and `score_cell` shape times and scores for
    the format (text in CSV, typed cells in XLSX)."""
    labels, to_be_added = _choice_labels(), _("待补录")
    for application in export_queryset(queryset).iterator(chunk_size=CHUNK):
        row = _row(application, timestamp, score_cell, labels, to_be_added)
        yield [_inert(value) for value in row]


# A cell a spreadsheet would run as a formula (=, +, -, @; tab and CR before them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _inert(value):
    """Text a student typed, made safe to open: a leading formula character is quoted
    (CSV injection), and control characters, which an XLSX cannot hold, are dropped.
    The form refuses both today; rows saved before that may still hold them."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


class _Echo:
    """A file-like object that hands back what is written, for streaming csv.writer."""

    def write(self, value):
        return value


def csv_chunks(queryset):
    """The list as UTF-8 CSV with a BOM (Excel then opens the Chinese correctly), line by line."""
    writer = csv.writer(_Echo())
    yield EXCEL_BOM + writer.writerow([str(h) for h in HEADERS])
    for values in _rows(
        queryset, lambda moment: moment.strftime("%Y-%m-%d %H:%M"), score_cell=score_text
    ):
        yield writer.writerow(values)


def xlsx_bytes(queryset):
    """The list as one XLSX sheet (openpyxl's write-only mode keeps memory flat)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("报名申请"))
    widths = [16, 10, 18, 6, 14, 24, 18, 18, 10, 8, 10, 32, 24, 12, 10, 18, 10, 14, 18, 18, 18]
    for index, width in enumerate(widths):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def score_cell(test, score):
        cell = WriteOnlyCell(sheet, value=score)
        # IELTS in half bands reads "7.0"; the other tests as the number they are.
        cell.number_format = "0.0" if test == LanguageTest.IELTS else "General"
        return cell

    # Excel has no time zones: the local time of the office, without tzinfo.
    for values in _rows(queryset, lambda moment: moment.replace(tzinfo=None), score_cell):
        for index in range(len(values) - TIME_COLUMNS, len(values)):
            if values[index]:
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = "yyyy-mm-dd hh:mm"
                values[index] = cell
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(extension):
    return _("报名申请-%(time)s.%(extension)s") % {
        "time": f"{timezone.localtime():%Y%m%d-%H%M}",
        "extension": extension,
    }


# --- Attachments as one ZIP (packed by apps.attachments.zips) -------------------------


def visible_attachments(user, application_ids):
    """The files of those applications that `user` may see, with what their names need."""
    return (
        Attachment.objects.filter(
            application__in=Application.objects.visible_to(user),
            application_id__in=application_ids,
            purged_at=None,  # past the retention period: nothing left to pack
        )
        .select_related("application__student", "application__program")
        .order_by("application__student__username", "application_id", "kind", "uploaded_at", "pk")
    )


def zip_filename():
    return _("附件-%(time)s.zip") % {"time": f"{timezone.localtime():%Y%m%d-%H%M}"}
