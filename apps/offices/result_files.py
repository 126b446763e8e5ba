"""Admission results in bulk, the file: a clerk's CSV/XLSX read into rows (`ResultRow`),
or `ImportFileError` saying why it cannot be read.

The columns are 学号, 项目编号 and/or 项目, and 录取结果 (`apps.applications.results` says
how a row names its application and what it would change). The export (`exports.py`)
writes these very columns, so an exported list can be filled in and imported back.
"""

import csv
import io
import zipfile

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.applications.results import ResultRow, normalise

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


def _header_aliases():
    aliases = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, labels in IMPORT_COLUMNS.items():
                for label in labels:
                    aliases[normalise(label)] = column
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
