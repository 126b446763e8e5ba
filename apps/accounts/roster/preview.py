"""The registrar's roster (学籍名单): every student's details before their first sign-in.

A CSV or XLSX file with the columns 学号, 姓名, 英文/拼音姓名, 性别, 学院, 专业, 学历层次,
入学年份, 手机号码, 电子邮箱. The administrator imports it in admin (upload → preview →
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

import logging
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.spreadsheets import TableError, read_table

from . import user_cache
from .forms import ProfileForm
from .models import DegreeLevel, Gender, StudentProfile

logger = logging.getLogger(__name__)

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
]
# Other headers a registrar's system writes for the same column (besides the field's name).
HEADER_ALIASES = {
    "name_en": ["英文姓名", "拼音姓名", "姓名拼音", "英文名"],
    "gender": ["性别"],
    "degree_level": ["学历", "培养层次"],
    "enrollment_year": ["入学年级", "年级"],
    "phone": ["手机", "手机号", "联系电话"],
    "email": ["邮箱", "电子邮件", "email", "e-mail"],
}
# Words a registrar writes for the choices, besides the portal's own labels and values.
CHOICE_WORDS = {
    "gender": {"男性": Gender.MALE, "女性": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE},
    "degree_level": {
        "本科生": DegreeLevel.UNDERGRADUATE,
        "硕士研究生": DegreeLevel.MASTER,
        "硕士生": DegreeLevel.MASTER,
        "博士研究生": DegreeLevel.DOCTORATE,
        "博士生": DegreeLevel.DOCTORATE,
    },
}
FORMULA_STARTS = ("=", "+", "-", "@")
BATCH = 2000

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


class RosterFileError(Exception):
    """The file as a whole cannot be read; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RosterRefused(Exception):
    """Some rows are wrong: nothing was written. `preview` says which and why."""

    def __init__(self, preview):
        count = len(preview.errors)
        self.message = _("名单中有 %(count)s 行有误，未写入任何数据。") % {"count": count}
        super().__init__(self.message)
        self.preview = preview


class RosterConflict(Exception):
    """Someone's account appeared while the import wrote (a first sign-in): nothing was
    written; importing again sees it."""

    def __init__(self):
        self.message = _("导入期间有学生首次登录，未写入任何数据，请重新导入。")
        super().__init__(self.message)


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


# --- Reading the file -------------------------------------------------------------------


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
    missing = [c for c in expected if c not in columns]
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
        index = columns[column]
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


# --- Checking one row -----------------------------------------------------------------


def normalise_student_id(text):
    """学号 as the accounts store it: full-width digits and letters made ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


class _Checker:
    """The profile form's field rules, built once for the whole file."""

    def __init__(self):
        self.form_fields = ProfileForm.base_fields
        self.model_fields = {name: StudentProfile._meta.get_field(name) for name in ROSTER_FIELDS}
        self.username_field = get_user_model()._meta.get_field("username")
        self.choices, self.seen = {}, {}
        for name in ("gender", "degree_level"):
            words = {}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    for value, label in self.model_fields[name].choices:
                        words[str(label).lower()] = value
                        words[value] = value
            words.update(CHOICE_WORDS[name])
            self.choices[name] = words

    def student_id(self, raw):
        """(学号, None) or (None, reason)."""
        value = normalise_student_id(raw)
        if not value:
            return None, _("学号为空。")
        if not (value.isascii() and value.isalnum()):
            return None, _("学号「%(value)s」只能包含字母和数字。") % {"value": raw}
        if len(value) > self.username_field.max_length:
            return None, _("学号「%(value)s」太长。") % {"value": raw}
        return value, None

    def value(self, name, raw):
        """(value, None) or (None, reason) for one non-blank cell.

        Remembered per (column, text): a roster repeats its schools, majors, years and
        degrees thousands of times."""
        key = (name, raw)
        if key not in self.seen:
            self.seen[key] = self._value(name, raw)
        return self.seen[key]

    def _value(self, name, raw):
        label = _field_label(name)
        # A phone number may start with + (its own validator refuses "+SUM(A1)").
        if raw.startswith(FORMULA_STARTS) and not (name == "phone" and raw[0] in "+-"):
            return None, _("%(field)s「%(value)s」看起来像电子表格公式，不能导入。") % {
                "field": label,
                "value": raw,
            }
        if name in self.choices:
            value = self.choices[name].get(raw.lower())
            if value is None:
                allowed = _("、").join(str(lbl) for _v, lbl in self.model_fields[name].choices)
                return None, _("%(field)s「%(value)s」无法识别，应为：%(allowed)s。") % {
                    "field": label,
                    "value": raw,
                    "allowed": allowed,
                }
            raw = value
        elif name in ("enrollment_year", "phone", "email"):
            raw = unicodedata.normalize("NFKC", raw)
        try:
            value = self.form_fields[name].clean(raw)
            self.model_fields[name].run_validators(value)
        except ValidationError as error:
            return None, _("%(field)s「%(value)s」：%(reason)s") % {
                "field": label,
                "value": raw,
                "reason": " ".join(error.messages),
            }
        return value, None


# --- Preview: what each row would do --------------------------------------------------


@dataclass
class Change:
    field: str
    old: object
    new: object

    @property
    def label(self):
        return _field_label(self.field)

    @property
    def old_text(self):
        return _display(self.field, self.old)

    @property
    def new_text(self):
        return _display(self.field, self.new)


def _display(name, value):
    if value in (None, ""):
        return "—"
    choices = dict(StudentProfile._meta.get_field(name).choices or ())
    return str(choices.get(value, value))


@dataclass
class PreviewRow:
    row: RosterRow
    outcome: str
    student_id: str = ""
    reasons: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the import writes
    directory_wins: list = field(default_factory=list)  # fields the directory keeps
    unlocked: list = field(default_factory=list)  # roster fields the file no longer gives
    user_id: int | None = None
    profile: StudentProfile | None = None

    @property
    def name(self):
        return self.values.get("name") or (self.profile.name if self.profile else self.row.cells[0])

    @property
    def notes(self):
        """What the preview says besides the changes: reasons, or the directory's say."""
        if self.reasons:
            return self.reasons
        notes = []
        if self.directory_wins:
            fields = _("、").join(str(_field_label(f)) for f in self.directory_wins)
            notes.append(_("%(fields)s以统一身份认证为准，不按名单更改。") % {"fields": fields})
        if self.unlocked:
            fields = _("、").join(str(_field_label(f)) for f in self.unlocked)
            notes.append(_("名单不再提供%(fields)s，学生可以自行修改。") % {"fields": fields})
        if self.outcome == CHANGED and self.profile is None:
            notes.append(_("已有账户，将建立学生信息。"))
        return notes


@dataclass
class Preview:
    rows: list = field(default_factory=list)

    def _with(self, outcome):
        return [r for r in self.rows if r.outcome == outcome]

    @property
    def new(self):
        return self._with(NEW)

    @property
    def changed(self):
        return self._with(CHANGED)

    @property
    def unchanged(self):
        return self._with(UNCHANGED)

    @property
    def errors(self):
        return self._with(ERROR)

    def counts(self):
        return {outcome: len(self._with(outcome)) for outcome in (NEW, CHANGED, UNCHANGED, ERROR)}

    def sections(self, limit=None):
        """(outcome, heading, rows shown, rows not shown) in page order, errors first.
        Unchanged rows are only counted: a nightly roster is mostly those."""
        headings = [
            (ERROR, _("有误的行")),
            (NEW, _("将新建的学生")),
            (CHANGED, _("将更改的学生")),
        ]
        sections = []
        for outcome, heading in headings:
            rows = self._with(outcome)
            if rows:
                shown = rows[:limit] if limit else rows
                sections.append((outcome, heading, shown, len(rows) - len(shown)))
        return sections


def _chunks(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(student_ids, lock):
    """Accounts and profiles of the 学号 given: two queries per 2,000."""
    users, profiles = {}, {}
    for chunk in _chunks(sorted(student_ids)):
        for pk, username, is_staff in (
            get_user_model()
            .objects.filter(username__in=chunk)
            .values_list("pk", "username", "is_staff")
        ):
            users[username] = (pk, is_staff)
    for chunk in _chunks(sorted(pk for pk, _staff in users.values())):
        queryset = StudentProfile.objects.filter(user_id__in=chunk)
        if lock:
            queryset = queryset.select_for_update()
        for profile in queryset:
            profiles[profile.user_id] = profile
    return users, profiles


def build_preview(rows, *, lock=False):
    """Sort every row into new / changed / unchanged / error, with the reasons.

    With `lock`, the profiles named stay locked until the surrounding transaction ends
    (the import holds them while it writes, so a sign-in cannot slip in between).
    """
    checker = _Checker()
    checked = []
    for row in rows:
        student_id, problem = checker.student_id(row.student_id)
        reasons = [problem] if problem else []
        values = {}
        for name, raw in zip(ROSTER_FIELDS, row.cells, strict=True):
            if raw:
                value, problem = checker.value(name, raw)
                if problem:
                    reasons.append(problem)
                else:
                    values[name] = value
        checked.append((row, student_id, values, reasons))

    users, profiles = _load({sid for _r, sid, _v, _p in checked if sid}, lock)
    preview, seen = Preview(), {}
    for row, student_id, values, reasons in checked:
        if student_id and student_id in seen:
            reasons.append(
                _("学号 %(id)s 与第 %(line)s 行重复。")
                % {"id": student_id, "line": seen[student_id]}
            )
        elif student_id:
            seen[student_id] = row.line
        preview.rows.append(_judge(row, student_id, values, reasons, users, profiles))
    return preview


def _judge(row, student_id, values, reasons, users, profiles):
    user_id, is_staff = users.get(student_id, (None, False))
    if is_staff:
        reasons.append(_("学号 %(id)s 是工作人员账户，不能作为学生导入。") % {"id": student_id})
    if reasons:
        return PreviewRow(row, ERROR, student_id or row.student_id, reasons=reasons)
    profile = profiles.get(user_id)
    directory = set(profile.ldap_fields) if profile else set()
    writes = {name: value for name, value in values.items() if name not in directory}
    wins = [name for name in values if name in directory and getattr(profile, name) != values[name]]
    item = PreviewRow(
        row, NEW, student_id, values=writes, directory_wins=wins, user_id=user_id, profile=profile
    )
    if user_id is None:
        item.changes = [Change(name, None, value) for name, value in writes.items()]
        return item
    if profile is None:
        item.outcome = CHANGED
        item.changes = [Change(name, None, value) for name, value in writes.items()]
        return item
    item.changes = [
        Change(name, getattr(profile, name), value)
        for name, value in writes.items()
        if getattr(profile, name) != value
    ]
    item.unlocked = sorted(set(profile.roster_fields) - set(writes) - directory)
    # A field the directory took over is the directory's now, whatever the roster said.
    relocked = set(writes) != set(profile.roster_fields) - directory
    item.outcome = CHANGED if item.changes or relocked else UNCHANGED
    return item


# --- Writing ---------------------------------------------------------------------------


def import_roster(*, rows, actor=None):
    """Write what `build_preview` accepts, all or nothing; `RosterRefused` if any row is wrong.

    Creates the account (no usable password: students sign in through the directory)
    and the profile of each new 学号, and updates the others. Returns the preview;
    `RosterConflict` when a first sign-in created one of the accounts meanwhile.
    """
    try:
        preview = _import(rows)
    except IntegrityError as error:
        # A 学号 that had no account at the check got one before the insert.
        raise RosterConflict() from error
    logger.info(
        "Roster imported by %s: %s",
        actor.get_username() if actor is not None else "manage.py import_roster",
        preview.counts(),
    )
    return preview


def _import(rows):
    User = get_user_model()
    with transaction.atomic():
        preview = build_preview(rows, lock=True)
        if preview.errors:
            raise RosterRefused(preview)
        now = timezone.now()
        new = preview.new
        users = [
            User(username=item.student_id, email=item.values.get("email", ""), password=_unusable())
            for item in new
        ]
        User.objects.bulk_create(users, batch_size=1000)
        for item, user in zip(new, users, strict=True):
            item.user_id = user.pk
        created = [item for item in preview.rows if item.outcome != ERROR and item.profile is None]
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(
                    user_id=item.user_id, roster_fields=sorted(item.values), **item.values
                )
                for item in created
            ],
            batch_size=1000,
        )
        # Grouped by the fields that change: a nightly run's few changes each touch one
        # or two columns, and an UPDATE's cost grows with the columns it sets.
        by_fields = defaultdict(list)
        for item in preview.changed:
            if item.profile is not None:
                for change in item.changes:
                    setattr(item.profile, change.field, change.new)
                item.profile.roster_fields = sorted(item.values)
                item.profile.updated_at = now
                fields = tuple(sorted(change.field for change in item.changes))
                by_fields[fields].append(item.profile)
        for fields, profiles in by_fields.items():
            StudentProfile.objects.bulk_update(
                profiles, [*fields, "roster_fields", "updated_at"], batch_size=500
            )
            user_cache.forget([profile.user_id for profile in profiles])
    return preview


def _unusable():
    # As set_unusable_password() writes it ("!" + random), without make_password's
    # per-character random choices: 50,000 of those cost seconds.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
