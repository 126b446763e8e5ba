"""The registrar's roster (学籍名单): every student's details before their first sign-in.

A CSV or XLSX file with the columns 学号, 姓名, 英文/拼音姓名, 性别, 学院, 专业, 学历层次,
入学年份, 手机号码, 电子邮箱, and optionally 平均学分绩点 GPA (judged against a program's
minimum GPA, apps.programs.requirements). The administrator imports it in admin (upload → preview →
confirm) and a nightly job runs `manage.py import_roster`: both go through
`parse_roster`, `build_preview` and `import_roster` here.

Rules:
- every cell is checked with the profile form's own field rules (the form field's
  cleaning plus the model field's validators); a row with any bad cell is an error row,
  and one error row refuses the whole file: nothing is written until every row is right;
- a blank cell supplies nothing: the profile keeps what it has, and the field is not
  locked by the roster;
- 学号 written with full-width digits or letters (２０２３…, typed with a Chinese input
  method) is normalised to ASCII (NFKC), not refused: it is the same number, and the
  account must match the one the directory signs in;
- a cell that starts like a spreadsheet formula (=, +, -, @; except a phone number
  such as +86 138…) is refused: it would run when the office exports the data again;
- what the directory (LDAP or CAS) supplied at the last sign-in wins: the roster does not
  overwrite those fields. The fields the roster supplies are locked for the student
  (`StudentProfile.roster_fields`), as directory fields are.

Everything is done in bulk: a few queries per 2,000 rows, never one per row.
"""

# One module per step: `file` (reading), `checks` (one row), `preview` (what each row
# would do) and `write` (all or nothing).
from .file import (
    ROSTER_FIELDS,
    RosterFileError,
    RosterRow,
    check_size,
    parse_roster,
    template_header,
)
from .preview import build_preview
from .write import RosterConflict, RosterRefused, import_roster

__all__ = [
    "ROSTER_FIELDS",
    "RosterConflict",
    "RosterFileError",
    "RosterRefused",
    "RosterRow",
    "build_preview",
    "check_size",
    "import_roster",
    "parse_roster",
    "template_header",
]
