"""Admission results in bulk: say row by row what a file's rows would change.

A file names each application by 学号 plus 项目编号 (the program's id, unique) and/or
项目 (the program's title). The title alone is enough while the student has applied to
one program of that title; titles repeat across terms, so the id wins when both are
given and must agree with the title. The office reads the file into `ResultRow`s
(`apps.offices.result_files`).

Nothing here writes: `services.import_admission_results` writes what `build_preview`
accepts, all or nothing.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from apps.core.validators import ascii_number

from .models import AdmissionResult, Application, Status, staff_regions

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


def normalise(text):
    """A header or a result word as compared: case, spaces, underscores and a BOM aside."""
    return " ".join(str(text).replace("\ufeff", "").replace("_", " ").split()).lower()


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
    return RESULT_WORDS.get(normalise(text), "?")


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
