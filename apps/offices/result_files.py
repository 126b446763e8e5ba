"""Admission results in bulk, the file: a clerk's CSV/XLSX read into rows (`ResultRow`),
or `ImportFileError` saying why it cannot be read.

The columns are 学号, 项目编号 and/or 项目, and 录取结果 (`apps.applications.results` says
how a row names its application and what it would change). The export (`exports.py`)
writes these very columns, so an exported list can be filled in and imported back.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.applications.results import ResultRow, normalise
from apps.core.spreadsheets import TableError, read_table

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

# 5,000 rows of a result list unpack to a few MB: far more is a zip bomb.
XLSX_MAX_UNPACKED = 50 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` says why, in the clerk's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _header_aliases():
    aliases = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, labels in IMPORT_COLUMNS.items():
                for label in labels:
                    aliases[normalise(label)] = column
    return aliases


def parse_upload(upload):
    """The data rows of an uploaded CSV or XLSX file, or `ImportFileError`."""
    limit = settings.ADMISSION_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ImportFileError(
            _("文件太大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": upload.size / 2**20, "limit": limit / 2**20}
        )
    # The header and one row beyond the cap are read, so that "too many" can be said.
    try:
        table = read_table(
            upload.read(),
            max_rows=settings.ADMISSION_IMPORT_MAX_ROWS + 1,
            max_unpacked=XLSX_MAX_UNPACKED,
        )
    except TableError as error:
        raise ImportFileError(error.message) from error
    return _rows_from_table(table)


def _rows_from_table(table):
    if not table:
        raise ImportFileError(_("文件是空的。"))
    header_line, header = table[0]
    aliases = _header_aliases()
    columns = {}
    for index, title in enumerate(header):
        column = aliases.get(normalise(title))
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
