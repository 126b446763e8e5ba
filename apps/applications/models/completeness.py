"""What an application's form still lacks before 提交, and how its answers read on the details
page and the printed form: a mixin of `Application` (no fields, so no migration)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import PERSONAL_FIELDS
from apps.attachments.models import AttachmentKind

from .choices import (
    SECTION_ATTACHMENTS,
    SECTION_LANGUAGE,
    SECTION_PASSPORT,
    SECTION_PERSONAL,
    SECTIONS,
    Status,
    add_months,
    format_score,
    score_range_error,
)
from .events import EventKind


class SubmissionChecks:
    """The checks and the read-out of the student's answers, for `Application`."""

    def submission_problems(self, today=None):
        """What stops this application from being submitted, as {field or slot: message}.

        Attachment slots are keyed by their AttachmentKind value. An empty dict means ready.
        """
        today = today or timezone.localdate()
        problems = {}
        for name in PERSONAL_FIELDS:
            if getattr(self, name) in ("", None):
                field = self._meta.get_field(name)
                problems[name] = _("请填写%(field)s。") % {"field": field.verbose_name}

        if self.language_test and self.language_score is None:
            problems["language_score"] = _("已选择考试类型，请填写成绩；尚无成绩时两项都留空。")
        elif self.language_score is not None and not self.language_test:
            problems["language_test"] = _("请选择外语考试类型。")
        elif error := score_range_error(self.language_test, self.language_score):
            problems["language_score"] = error

        if self.has_passport is None:
            problems["has_passport"] = _("请选择是否已办理护照。")
        elif self.has_passport:
            if not self.passport_number:
                problems["passport_number"] = _("已办理护照，请填写护照号码。")
            if self.passport_expiry is None:
                problems["passport_expiry"] = _("已办理护照，请填写护照有效期。")
            elif self.passport_expiry <= today:
                problems["passport_expiry"] = _("护照已过期，请先换发护照再提交。")

        slots = {a.kind for a in self.attachments.all()}
        for kind in self.required_slots():
            if kind not in slots:
                problems[kind] = _("请上传%(slot)s。") % {"slot": AttachmentKind(kind).label}

        # 退回修改: each item the office ticked is changed, or answered, before 提交.
        for item in self.open_return_items():
            if item.key not in problems and not item.is_resolved(self):
                problems[item.key] = _("「%(item)s」待修改：请按修改说明修改，或填写回复说明。") % {
                    "item": item.label
                }
        return problems

    def last_return_items(self):
        """Every item of the latest 退回修改 (ticked or only remembered), or []."""
        if "_last_return_items" not in self.__dict__:
            event = (
                self.events.filter(kind=EventKind.STATUS, to_value=Status.RETURNED)
                .order_by("-created_at", "-pk")
                .first()
            )
            self._last_return_items = list(event.return_items.all()) if event else []
            self._last_return_event = event
        return self._last_return_items

    def open_return_items(self):
        """While out for revision: the items the office ticked (需修改的内容)."""
        if self.status != Status.RETURNED:
            return []
        return [item for item in self.last_return_items() if item.requested]

    def return_item_states(self):
        """The ticked items with their state, for the form, the progress card and the
        office: [{"item", "changed", "resolved"}]."""
        return [
            {
                "item": item,
                "changed": (changed := item.is_changed(self)),
                "resolved": changed or bool(item.reply.strip()),
            }
            for item in self.open_return_items()
        ]

    def required_slots(self):
        """The attachment slots 提交 needs: language proof only once a score is given."""
        required = [AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT]
        if self.language_score is not None:
            required.append(AttachmentKind.LANGUAGE)
        return required

    def completeness(self, problems=None):
        """The form's sections with what each still lacks, for the progress card."""
        if problems is None:
            problems = self.submission_problems()
        section_of = dict.fromkeys(PERSONAL_FIELDS, SECTION_PERSONAL)
        section_of |= dict.fromkeys(["language_test", "language_score"], SECTION_LANGUAGE)
        section_of |= dict.fromkeys(
            ["has_passport", "passport_number", "passport_expiry"], SECTION_PASSPORT
        )
        section_of |= dict.fromkeys(AttachmentKind.values, SECTION_ATTACHMENTS)
        sections = {
            key: {"key": key, "label": label, "missing": []} for key, label in SECTIONS.items()
        }
        for key, message in problems.items():
            if key.startswith("requirement:"):  # a required 申请条件 not met (services)
                sections.setdefault(
                    "requirements", {"key": "requirements", "label": _("申请条件"), "missing": []}
                )["missing"].append(message)
            else:
                sections[section_of[key]]["missing"].append(message)
        return list(sections.values())

    def display_sections(self):
        """What the student filled in, as [(section, [(label, value), ...])], for the details
        page and the printed form. Blank values are shown as such, never hidden."""
        blank = _("未填写")

        def row(name, value=None):
            field = self._meta.get_field(name)
            if value is None:
                value = getattr(self, name)
                if field.choices and value:
                    value = getattr(self, f"get_{name}_display")()
            if isinstance(value, datetime.date):
                value = value.isoformat()
            return (field.verbose_name, blank if value in ("", None) else value)

        personal = [row(name) for name in PERSONAL_FIELDS]
        language = [
            row("language_test"),
            row("language_score", self._score_text()),
        ]
        passport_answer = {True: _("是"), False: _("否"), None: blank}[self.has_passport]
        passport = [row("has_passport", passport_answer)]
        if self.has_passport:
            passport += [row("passport_number"), row("passport_expiry")]
        return [
            (SECTIONS[SECTION_PERSONAL], personal),
            (SECTIONS[SECTION_LANGUAGE], language),
            (SECTIONS[SECTION_PASSPORT], passport),
        ]

    def _score_text(self):
        if self.language_score is not None:
            return format_score(self.language_score)
        # Blank on a submitted form means "to be supplemented"; on a draft, just not yet filled.
        return None if self.is_editable else _("待补录")

    def passport_warning(self):
        """A warning, not a refusal: many partner schools want six months beyond the stay."""
        if not (self.has_passport and self.passport_expiry):
            return None
        if self.passport_expiry < add_months(self.program.end_date, 6):
            return _(
                "护照有效期（%(expiry)s）距项目结束不足六个月，部分学校和签证要求更长的有效期，"
                "请尽快办理换发。"
            ) % {"expiry": self.passport_expiry.isoformat()}
        return None
