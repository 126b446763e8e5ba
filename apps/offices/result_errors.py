"""The error rows of a result file, as a file of the same kind (CSV or XLSX) to fix and
import again: the columns the import reads, then 错误原因 and 原行号 (which the import
ignores). Cells are made inert as in the exports (no formula runs when opened)."""

import csv
import io

from django.utils.translation import gettext as _

from .exports import EXCEL_BOM, _inert
from .result_files import (
    HEADER_PROGRAM,
    HEADER_PROGRAM_ID,
    HEADER_RESULT,
    HEADER_STUDENT_ID,
)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _header():
    return [
        str(HEADER_STUDENT_ID),
        str(HEADER_PROGRAM_ID),
        str(HEADER_PROGRAM),
        str(HEADER_RESULT),
        _("错误原因"),
        _("原行号"),
    ]


def _values(item):
    row = item.row
    return [
        _inert(value)
        for value in (
            row.student_id,
            row.program_id,
            row.program_title,
            row.result,
            str(item.reason),
        )
    ] + [row.line]


def error_file(preview, fmt):
    """(content, content type, file name) of the preview's error rows in `fmt`."""
    rows = [_header(), *(_values(item) for item in preview.errors)]
    name = _("录取结果-有误的行.%(extension)s") % {"extension": fmt}
    if fmt == "xlsx":
        import openpyxl
        from openpyxl.styles import Font

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = _("有误的行")
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEF", [16, 10, 32, 10, 60, 8], strict=True):
            sheet.column_dimensions[column].width = width
        # 学号 and 项目编号 as text: Excel would show 2023301000001 as 2.0233E+12.
        for cells in sheet.iter_rows(min_row=2, max_col=2):
            for cell in cells:
                cell.number_format = "@"
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), FORMATS["xlsx"], name
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return (EXCEL_BOM + text.getvalue()).encode(), FORMATS["csv"], name
