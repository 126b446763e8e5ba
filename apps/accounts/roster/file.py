"""Reading a roster file: its header in either language (or a registrar's own words) and
its data rows as text, or `RosterFileError` for the file as a whole."""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.spreadsheets import TableError, read_table

from ..models import StudentProfile

HEADER_STUDENT_ID = gettext_lazy("学号")
# The file's columns in the registrar's order (after 学号).
ROSTER_FIELDS = [
    "name",
    "name_en",
    "gender",
    "school",
    "major",
    "degree_level",
    "enrollment_year",
    "phone",
    "email",
    "gpa",
]
# Columns a roster may leave out (older files have none): their cells are then blank.
OPTIONAL_FIELDS = {"gpa"}
# Other headers a registrar's system writes for the same column (besides the field's name).
HEADER_ALIASES = {
    "name_en": ["英文姓名", "拼音姓名", "姓名拼音", "英文名"],
    "gender": ["性别"],
    "degree_level": ["学历", "培养层次"],
    "enrollment_year": ["入学年级", "年级"],
    "phone": ["手机", "手机号", "联系电话"],
    "email": ["邮箱", "电子邮件", "email", "e-mail"],
    "gpa": ["GPA", "绩点", "平均学分绩点", "平均绩点"],
}


class RosterFileError(Exception):
    """The file as a whole cannot be read; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RosterRow:
    """One data line of the file as text; `line` is its line number in the file."""

    line: int
    student_id: str
    cells: tuple  # in ROSTER_FIELDS order

    def as_list(self):
        return [self.line, self.student_id, *self.cells]

    @classmethod
    def from_list(cls, values):
        line, student_id, *cells = values
        return cls(int(line), str(student_id), tuple(str(c) for c in cells))


def _normalise_header(text):
    text = unicodedata.normalize("NFKC", str(text))
    return "".join(text.replace("\ufeff", "").replace("_", " ").split()).lower()


def _field_label(name):
    return StudentProfile._meta.get_field(name).verbose_name


def _header_aliases():
    aliases = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            aliases[_normalise_header(HEADER_STUDENT_ID)] = "student_id"
            for name in ROSTER_FIELDS:
                aliases[_normalise_header(_field_label(name))] = name
    for name, words in HEADER_ALIASES.items():
        for word in words:
            aliases.setdefault(_normalise_header(word), name)
    return aliases


def parse_roster(data):
    """The data rows of a roster file (bytes), or `RosterFileError`."""
    check_size(len(data))
    limit = settings.ROSTER_IMPORT_MAX_BYTES
    max_rows = settings.ROSTER_IMPORT_MAX_ROWS
    try:
        # 50,000 students unpack to some 30 MB of sheet XML; far more is a zip bomb.
        table = read_table(data, max_rows=max_rows + 1, max_unpacked=5 * limit)
    except TableError as error:
        raise RosterFileError(error.message) from error
    if not table:
        raise RosterFileError(_("文件是空的。"))
    (header_line, header), body = table[0], table[1:]
    aliases, columns = _header_aliases(), {}
    for index, title in enumerate(header):
        column = aliases.get(_normalise_header(title))
        if column and column not in columns:
            columns[column] = index
    expected = ["student_id", *ROSTER_FIELDS]
    missing = [c for c in expected if c not in columns and c not in OPTIONAL_FIELDS]
    if missing:
        raise RosterFileError(
            _("第 %(line)s 行的表头不正确，缺少列：%(missing)s。第一行应为列名：%(all)s。")
            % {
                "line": header_line,
                "missing": _("、").join(_column_label(c) for c in missing),
                "all": _("、").join(_column_label(c) for c in expected),
            }
        )
    if not body:
        raise RosterFileError(_("文件只有表头，没有数据行。"))
    if len(body) > max_rows:
        raise RosterFileError(
            _("文件行数过多（超过 %(limit)s 行），请分批导入。") % {"limit": max_rows}
        )

    def cell(values, column):
        index = columns.get(column)
        if index is None:  # an optional column the file does not have
            return ""
        return values[index] if index < len(values) else ""

    return [
        RosterRow(
            line=number,
            student_id=cell(values, "student_id"),
            cells=tuple(cell(values, name) for name in ROSTER_FIELDS),
        )
        for number, values in body
    ]


def check_size(size):
    limit = settings.ROSTER_IMPORT_MAX_BYTES
    if size > limit:
        raise RosterFileError(
            _("文件太大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": size / 2**20, "limit": limit / 2**20}
        )


def _column_label(column):
    return str(HEADER_STUDENT_ID if column == "student_id" else _field_label(column))


def template_header():
    """The header row of a blank roster, in the language of the request."""
    return [_column_label(c) for c in ["student_id", *ROSTER_FIELDS]]
