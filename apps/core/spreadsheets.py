"""Reading a table a person saved from Excel or WPS: CSV (UTF-8, UTF-8 with BOM, GBK) or
XLSX, decided by the content whatever the file is called, as rows of stripped text.

Knows nothing of what the columns mean: the imports that use it (the registrar's roster)
map the header row themselves.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
UTF8_BOM = b"\xef\xbb\xbf"
GB18030_BOM = b"\x84\x31\x95\x33"
MAX_COLUMNS = 50
XLSX_MAX_ENTRIES = 1000


class TableError(Exception):
    """The file as a whole cannot be read; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def read_table(data, *, max_rows, max_unpacked):
    """The non-blank lines of a CSV or XLSX file as (line number, [cell text]) pairs.

    `max_rows` caps the lines read (the caller says "too many" when one more is there);
    `max_unpacked` caps the bytes an .xlsx may unpack to (a zip bomb is refused before
    openpyxl parses it).
    """
    if not data.strip():
        raise TableError(_("文件是空的。"))
    if data.startswith(XLSX_MAGIC):
        table = _xlsx_rows(data, max_rows, max_unpacked)
    elif data.startswith(OLD_EXCEL_MAGIC):
        raise TableError(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传。")
        )
    elif b"\x00" in data:
        # Binary, or text with a NUL byte, which PostgreSQL cannot store or compare.
        raise TableError(_("只能上传 CSV 或 Excel（.xlsx）文件。"))
    else:
        table = _csv_rows(decode_text(data), max_rows)
    if any("\x00" in value for values in table for value in values):
        raise TableError(_("文件中含有空字符（NUL），无法读取，请检查文件内容。"))
    return [(number, values) for number, values in enumerate(table, 1) if any(values)]


def decode_text(data):
    """UTF-8 (with or without BOM) or GBK, as Excel and WPS save CSV on Chinese Windows.

    A UTF-8 BOM in front of GBK text (a converter that added the mark but not the
    encoding) is read as GBK without the mark: GBK bytes almost never form valid UTF-8,
    so there is no guessing between two readings.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    elif data.startswith(GB18030_BOM):
        data = data[len(GB18030_BOM) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    raise TableError(_("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码。"))


def cell_text(value):
    """A cell as the person sees it: Excel stores 2023301000001 as a number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(text, max_rows):
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = []
    try:
        for values in reader:
            table.append([v.strip() for v in values[:MAX_COLUMNS]])
            if len(table) > max_rows:
                break
    except csv.Error as error:
        raise TableError(
            _("CSV 文件格式有误（第 %(line)s 行）。") % {"line": reader.line_num}
        ) from error
    return table


def _unreadable_xlsx():
    return _("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")


def _xlsx_rows(data, max_rows, max_unpacked):
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as error:  # BadZipFile, truncated central directory...
        raise TableError(_unreadable_xlsx()) from error
    if len(entries) > XLSX_MAX_ENTRIES or sum(e.file_size for e in entries) > max_unpacked:
        raise TableError(_("该 Excel 文件解压后过大，请另存为 CSV 后再上传。"))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = [
            [cell_text(v) for v in values]
            for values in sheet.iter_rows(
                values_only=True, max_col=MAX_COLUMNS, max_row=max_rows + 1
            )
        ]
        workbook.close()
    except Exception as error:  # a damaged or foreign zip fails in many ways inside openpyxl
        raise TableError(_unreadable_xlsx()) from error
    return table
