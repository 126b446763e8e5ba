"""Admission results in bulk: read a CSV/XLSX file, then say row by row what it would change.

A file names each application by 学号 plus 项目编号 (the program's id, unique) and/or
项目 (the program's title). The title alone is enough while the student has applied to
one program of that title; titles repeat across terms, so the id wins when both are
given and must agree with the title. The export (`exports.py`) writes these very
columns, so an exported list can be filled in and imported back.

Nothing here writes: `services.import_admission_results` writes what `build_preview`
accepts, all or nothing.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.validators import ascii_number

from .models import AdmissionResult, Application, Status, staff_regions

# Column headers, shared with the export so that its file can be imported back.
HEADER_STUDENT_ID = gettext_lazy("学号")
HEADER_PROGRAM_ID = gettext_lazy("项目编号")
HEADER_PROGRAM = gettext_lazy("项目")
HEADER_RESULT = gettext_lazy("录取结果")

# Each column the import reads, with every header a clerk may have written for it.
IMPORT_COLUMNS = {
    "student_id": [HEADER_STUDENT_ID],
    "program_id": [HEADER_PROGRAM_ID],
    "program_title": [HEADER_PROGRAM, gettext_lazy("项目名称"), gettext_lazy("项目标题")],
    "result": [HEADER_RESULT],
}

# What a clerk may write in the result column; blank or 待定 means "no answer yet".
RESULT_WORDS = {
    "录取": AdmissionResult.ADMITTED,
    "未录取": AdmissionResult.NOT_ADMITTED,
    "不录取": AdmissionResult.NOT_ADMITTED,
    "admitted": AdmissionResult.ADMITTED,
    "not admitted": AdmissionResult.NOT_ADMITTED,
    "待定": None,
    "pending": None,
    "": None,
}

# Files a clerk keeps on their desk are small; these caps keep a wrong file harmless.
MAX_COLUMNS = 50
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
# 5,000 rows of a result list unpack to a few MB: far more is a zip bomb.
XLSX_MAX_ENTRIES = 1000
XLSX_MAX_UNPACKED = 50 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` says why, in the clerk's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResultRow:
    """One data line of the file, as text: `line` is its line number in the file."""

    line: int
    student_id: str
    program_id: str = ""
    program_title: str = ""
    result: str = ""

    def as_list(self):
        return [self.line, self.student_id, self.program_id, self.program_title, self.result]

    @classmethod
    def from_list(cls, values):
        line, student_id, program_id, program_title, result = values
        return cls(int(line), str(student_id), str(program_id), str(program_title), str(result))


def _normalise(text):
    return " ".join(str(text).replace("\ufeff", "").replace("_", " ").split()).lower()


def _header_aliases():
    aliases = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, labels in IMPORT_COLUMNS.items():
                for label in labels:
                    aliases[_normalise(label)] = column
    return aliases


def _cell_text(value):
    """A cell as the clerk sees it: Excel stores 2023301000001 as a number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_upload(upload):
    """The data rows of an uploaded CSV or XLSX file, or `ImportFileError`."""
    limit = settings.ADMISSION_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ImportFileError(
            _("文件太大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": upload.size / 2**20, "limit": limit / 2**20}
        )
    data = upload.read()
    if not data.strip():
        raise ImportFileError(_("文件是空的。"))
    # The type is decided by the content, whatever the file is called.
    if data.startswith(XLSX_MAGIC):
        table = _xlsx_rows(data)
    elif data.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传。")
        )
    elif b"\x00" in data:
        # Binary, or text with a NUL byte, which PostgreSQL cannot store or compare.
        raise ImportFileError(_("只能上传 CSV 或 Excel（.xlsx）文件。"))
    else:
        table = _csv_rows(data)
    return _rows_from_table(table)


def _check_xlsx_archive(data):
    """An .xlsx is a zip: refuse one that would unpack into far more than a result list
    (a zip bomb) before openpyxl parses it, shared strings and all, into memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as error:  # BadZipFile, truncated central directory...
        raise ImportFileError(_unreadable_xlsx()) from error
    if len(entries) > XLSX_MAX_ENTRIES or sum(e.file_size for e in entries) > XLSX_MAX_UNPACKED:
        raise ImportFileError(
            _("该 Excel 文件解压后过大，不像录取结果名单；请另存为 CSV 后再上传。")
        )


def _unreadable_xlsx():
    return _("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")


def _xlsx_rows(data):
    import openpyxl

    _check_xlsx_archive(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        max_rows = settings.ADMISSION_IMPORT_MAX_ROWS + 2
        table = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=max_rows):
            table.append([_cell_text(v) for v in values])
        workbook.close()
    except Exception as error:  # a damaged or foreign zip fails in many ways inside openpyxl
        raise ImportFileError(_unreadable_xlsx()) from error
    return table


def _decode(data):
    # Excel on Chinese Windows saves CSV as GBK; elsewhere UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码。"))


def _csv_rows(data):
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    max_rows = settings.ADMISSION_IMPORT_MAX_ROWS + 2
    table = []
    try:
        for values in reader:
            table.append([v.strip() for v in values[:MAX_COLUMNS]])
            if len(table) > max_rows:
                break
    except csv.Error as error:
        raise ImportFileError(
            _("CSV 文件格式有误（第 %(line)s 行）。") % {"line": reader.line_num}
        ) from error
    return table


def _rows_from_table(table):
    if any("\x00" in value for values in table for value in values):
        # An escaped NUL in a workbook cell: PostgreSQL cannot compare text holding one.
        raise ImportFileError(_("文件中含有空字符（NUL），无法读取，请检查文件内容。"))
    table = [(number, values) for number, values in enumerate(table, 1) if any(values)]
    if not table:
        raise ImportFileError(_("文件是空的。"))
    header_line, header = table[0]
    aliases = _header_aliases()
    columns = {}
    for index, title in enumerate(header):
        column = aliases.get(_normalise(title))
        if column and column not in columns:
            columns[column] = index
    missing = [str(IMPORT_COLUMNS[c][0]) for c in ("student_id", "result") if c not in columns]
    if "program_id" not in columns and "program_title" not in columns:
        either = {"id": HEADER_PROGRAM_ID, "title": HEADER_PROGRAM}
        missing.append(_("%(id)s 或 %(title)s") % either)
    if missing:
        raise ImportFileError(
            _(
                "第 %(line)s 行的表头不正确，缺少列：%(missing)s。第一行应为列名："
                "%(student_id)s、%(program_id)s（或 %(program)s）、%(result)s。"
            )
            % {
                "line": header_line,
                "missing": _("、").join(missing),
                "student_id": HEADER_STUDENT_ID,
                "program_id": HEADER_PROGRAM_ID,
                "program": HEADER_PROGRAM,
                "result": HEADER_RESULT,
            }
        )
    body = table[1:]
    if not body:
        raise ImportFileError(_("文件只有表头，没有数据行。"))
    if len(body) > settings.ADMISSION_IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("文件行数过多（超过 %(limit)s 行），请分批导入。")
            % {"limit": settings.ADMISSION_IMPORT_MAX_ROWS}
        )

    def cell(values, column):
        index = columns.get(column)
        return values[index] if index is not None and index < len(values) else ""

    return [
        ResultRow(
            line=number,
            student_id=cell(values, "student_id"),
            program_id=cell(values, "program_id"),
            program_title=cell(values, "program_title"),
            result=cell(values, "result"),
        )
        for number, values in body
    ]


# --- Preview: what each row would do ------------------------------------------------

CHANGE, UNCHANGED, SKIPPED, ERROR = "change", "unchanged", "skipped", "error"


@dataclass
class PreviewRow:
    row: ResultRow
    outcome: str
    reason: str = ""
    application: Application | None = None
    old: str = ""
    new: str = ""

    @property
    def old_label(self):
        return AdmissionResult(self.old).label if self.old else ""

    @property
    def new_label(self):
        return AdmissionResult(self.new).label if self.new else ""

    @property
    def program_label(self):
        if self.application is not None:
            title, number = self.application.program.title, self.application.program_id
        else:
            title, number = self.row.program_title, self.row.program_id
        if title and number:
            return _("%(title)s（编号 %(id)s）") % {"title": title, "id": number}
        return title or (_("编号 %(id)s") % {"id": number} if number else "")


@dataclass
class Preview:
    rows: list = field(default_factory=list)

    def _with(self, outcome):
        return [r for r in self.rows if r.outcome == outcome]

    @property
    def changes(self):
        return self._with(CHANGE)

    @property
    def unchanged(self):
        return self._with(UNCHANGED)

    @property
    def skipped(self):
        return self._with(SKIPPED)

    @property
    def errors(self):
        return self._with(ERROR)

    def sections(self):
        """(heading, rows) in the order the preview page shows them, errors first."""
        headings = [
            (ERROR, _("有误的行")),
            (CHANGE, _("将更改的行")),
            (UNCHANGED, _("无变化的行")),
            (SKIPPED, _("跳过的行")),
        ]
        return [(heading, rows) for outcome, heading in headings if (rows := self._with(outcome))]


def summary_conflict(application, new):
    """Why `new` cannot replace 录取 once the student filed the exchange summary, or None."""
    summary = getattr(application, "return_summary", None)
    if new != AdmissionResult.ADMITTED and summary is not None and summary.is_submitted:
        return _("该学生已提交交流总结，录取结果不能再改为「%(result)s」。") % {
            "result": AdmissionResult(new).label
        }
    return None


def _result_value(text):
    return RESULT_WORDS.get(_normalise(text), "?")


def build_preview(rows, *, actor, lock=False):
    """Sort every row into change / unchanged / skipped / error, with the reason.

    Two queries whatever the file's length; with `lock` the applications named are
    locked until the surrounding transaction ends (the import holds them while writing).
    """
    student_ids = {r.student_id for r in rows if r.student_id}
    known = set(
        get_user_model().objects.filter(username__in=student_ids).values_list("username", flat=True)
    )
    applications = Application.objects.filter(student__username__in=student_ids).select_related(
        "student", "program", "return_summary"
    )
    if lock:
        applications = applications.select_for_update(of=("self",))
    by_student = {}
    for application in applications.order_by("pk"):
        by_student.setdefault(application.student.username, []).append(application)
    regions = None if actor.is_superuser else set(staff_regions(actor))

    preview, seen = Preview(), {}
    for row in rows:
        preview.rows.append(_judge(row, known, by_student, regions, seen))
    return preview


def _judge(row, known, by_student, regions, seen):
    def error(reason, application=None):
        return PreviewRow(row, ERROR, reason, application)

    new = _result_value(row.result)
    if new == "?":
        return error(
            _("录取结果「%(value)s」无法识别，请填写「录取」或「未录取」。") % {"value": row.result}
        )
    if new is None:
        return PreviewRow(row, SKIPPED, _("未填写录取结果（或为待定），不作更改。"))
    if not row.student_id:
        return error(_("学号为空。"))
    if not row.program_id and not row.program_title:
        return error(_("项目编号和项目均为空，请至少填写一项。"))
    if row.program_id and ascii_number(row.program_id) is None:
        return error(_("项目编号「%(value)s」应为数字。") % {"value": row.program_id})
    if row.student_id not in known:
        return error(_("系统中没有学号为 %(id)s 的学生。") % {"id": row.student_id})

    candidates = by_student.get(row.student_id, [])
    if row.program_id:
        matches = [a for a in candidates if a.program_id == ascii_number(row.program_id)]
        if matches and row.program_title and matches[0].program.title != row.program_title:
            return error(
                _("项目编号 %(id)s 对应的项目是「%(actual)s」，与所填的「%(given)s」不一致。")
                % {
                    "id": row.program_id,
                    "actual": matches[0].program.title,
                    "given": row.program_title,
                }
            )
    else:
        matches = [a for a in candidates if a.program.title == row.program_title]
        if len(matches) > 1:
            return error(
                _("该学生报名了多个名为「%(title)s」的项目，请填写项目编号。")
                % {"title": row.program_title}
            )
    if not matches:
        return error(_("该学生没有报名此项目。"))

    application = matches[0]
    if regions is not None and application.program.region not in regions:
        return error(
            _("该申请属于「%(track)s」项目，不在你负责的范围内。")
            % {"track": application.program.get_region_display()},
        )
    if application.pk in seen:
        return error(
            _("与第 %(line)s 行重复（同一学生、同一项目）。") % {"line": seen[application.pk]},
            application,
        )
    seen[application.pk] = row.line
    if application.status != Status.APPROVED:
        return error(
            _("该申请为「%(status)s」，只有审核通过的申请才能录入录取结果。")
            % {"status": application.get_status_display()},
            application,
        )
    old = application.admission_result
    if old != new and (conflict := summary_conflict(application, new)):
        return error(conflict, application)
    outcome = UNCHANGED if old == new else CHANGE
    return PreviewRow(row, outcome, "", application, old=old, new=new)
