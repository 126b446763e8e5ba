"""The preview: what each row would do (new, changed, unchanged or an error, and why),
read against the accounts and profiles in bulk."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ..models import StudentProfile
from .checks import _Checker
from .file import ROSTER_FIELDS, RosterRow, _field_label

BATCH = 2000

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


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
