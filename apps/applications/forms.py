import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import PERSONAL_FIELDS
from apps.attachments.models import AttachmentKind
from apps.attachments.validators import DOCUMENTS, check_upload
from apps.core.forms import KeepUnsentFieldsMixin
from apps.core.validators import plain_text

from .models import REPLY_MAX_LENGTH, Application, score_range_error
from .services import FORM_SLOTS

PASSPORT_FIELDS = ["has_passport", "passport_number", "passport_expiry"]
LANGUAGE_FIELDS = ["language_test", "language_score"]


class ApplicationForm(KeepUnsentFieldsMixin, forms.ModelForm):
    """报名信息: nothing is required here, so that 保存 keeps an incomplete draft.

    What 提交 needs is checked by `Application.submission_problems`; this form only
    refuses values of the wrong type or out of range. Fields the directory supplied to the
    profile are shown from the profile and locked.
    """

    has_passport = forms.TypedChoiceField(
        label=_("是否已办理护照"),
        choices=[(True, _("是")), (False, _("否"))],
        coerce=lambda value: value in (True, "True"),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Application
        fields = [*PERSONAL_FIELDS, *LANGUAGE_FIELDS, *PASSPORT_FIELDS]
        widgets = {
            "passport_expiry": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "language_score": forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
            "enrollment_year": forms.NumberInput(attrs={"min": "1950", "max": "2100"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "passport_expiry": _("护照须在有效期内；距项目结束不足六个月时会提醒你尽快换发。"),
        }

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        locked = set(profile.locked_fields) & set(PERSONAL_FIELDS) if profile else set()
        locked = {name for name in locked if _valid(profile, name)}
        for name in locked:
            self.fields[name].disabled = True
            self.fields[name].help_text = _("来自统一身份认证，如有错误请联系学院更正。")
            self.initial[name] = getattr(profile, name)
        self.locked_fields = sorted(locked)

    def _post_clean(self):
        # Django checks a model's CheckConstraints with one query each, on every 保存. The
        # only one on this form's fields (passport data only with a passport) is what
        # `clean` enforces, and the database refuses a row breaking it all the same.
        self.instance.validate_constraints = _no_query_constraints
        try:
            super()._post_clean()
        finally:
            del self.instance.validate_constraints

    def clean_passport_number(self):
        return "".join(self.cleaned_data["passport_number"].split()).upper()

    @sensitive_variables("data", "typed")
    def clean(self):
        # The rules below and the model's checks see the whole row, unsent fields as saved.
        data = self.keep_unsent(super().clean())
        if "language_score" in data and "language_test" in data:
            error = score_range_error(data["language_test"], data["language_score"])
            if error:
                self.add_error("language_score", error)

        if "has_passport" in data:
            answer = data["has_passport"]
            if answer is not True:
                # 否 stores no passport data, whatever the browser sent.
                typed = self.data.get(self.add_prefix("passport_number"), "").strip() or (
                    self.data.get(self.add_prefix("passport_expiry"), "").strip()
                )
                if answer is None and typed:
                    self.add_error("has_passport", _("填写护照信息前，请先选择「是」。"))
                for name in ("passport_number", "passport_expiry"):
                    self._errors.pop(name, None)
                data["passport_number"], data["passport_expiry"] = "", None
        return data

    @sensitive_variables("data", "changes")
    def valid_changes(self):
        """The fields that passed validation, ready for `save_draft`.

        A field the client did not send is left alone (an old tab or a script posting a
        few fields never blanks the rest). The passport answer and its two fields move
        together or not at all, so that a typo in one never leaves the trio inconsistent;
        否 clears the other two even when they were not sent.
        """
        data = self.cleaned_data
        sent = {name for name in self.Meta.fields if self.add_prefix(name) in self.data}
        sent |= {name for name in self.locked_fields}
        if data.get("has_passport") is not True and "has_passport" in sent:
            sent |= {"passport_number", "passport_expiry"}
        changes = {name: data[name] for name in self.Meta.fields if name in data and name in sent}
        if any(name in self.errors for name in PASSPORT_FIELDS):
            for name in PASSPORT_FIELDS:
                changes.pop(name, None)
        return changes


def _prepare_fields(fields):
    """Once, on the class: nothing is required, and the drop-downs begin with 请选择."""
    for field in fields.values():
        field.required = False
    fields["passport_number"].widget.attrs["autocomplete"] = "off"
    for name in ("gender", "degree_level", "language_test"):
        choices = [c for c in fields[name].choices if c[0] != ""]
        fields[name].choices = [("", _("请选择")), *choices]


_prepare_fields(ApplicationForm.base_fields)


def _no_query_constraints(exclude=None):
    """Stands in for `Model.validate_constraints` while the form validates (`_post_clean`)."""


def _valid(profile, name):
    """A locked field must hold a value the form accepts, or the student could never submit."""
    try:
        Application._meta.get_field(name).clean(getattr(profile, name), None)
    except ValidationError:
        return False
    return True


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A slot that takes several files at once; each is checked by `AttachmentsForm`."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


SLOT_HELP = {
    AttachmentKind.TRANSCRIPT: _(
        "本科生的中英文成绩单在本科生院开具。研究生的中英文成绩单在研究生院开具。"
    ),
    AttachmentKind.ENROLLMENT: _(
        "本科生的中英文在读证明在本科生院开具。研究生的中英文在读证明在研究生院开具。"
    ),
    AttachmentKind.LANGUAGE: _("如暂无语言证明原件，请上传网页截图。"),
}


def printable_name(name):
    """The file name as the browser sent it, without characters that could mislead a reader."""
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    return cleaned[:80] or "?"


class AttachmentsForm(forms.Form):
    """The form's three attachment slots. Good files are kept even when another is refused.

    Subclasses set other `slots`, the formats they `accept` and the browser's hint."""

    slots = FORM_SLOTS
    accept = DOCUMENTS
    html_accept = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

    def __init__(self, *args, room=None, **kwargs):
        """`room` maps each slot to how many more files it may take (default: the limit)."""
        super().__init__(*args, **kwargs)
        limit = settings.ATTACHMENT_MAX_FILES_PER_SLOT
        self.room = {kind: limit for kind in self.slots} | (room or {})
        for kind in self.slots:
            self.fields[kind] = MultipleFileField(
                label=AttachmentKind(kind).label,
                required=False,
                help_text=SLOT_HELP.get(kind, ""),
            )
            self.fields[kind].widget.attrs.update({"accept": self.html_accept, "data-slot": kind})
        self.accepted = []

    def clean(self):
        data = super().clean()
        for kind in self.slots:
            for uploaded in data.get(kind) or []:
                if self.room[kind] <= 0:
                    self.add_error(
                        kind,
                        _("「%(name)s」未上传：每项最多 %(limit)s 个文件，请先删除不需要的文件。")
                        % {
                            "name": printable_name(uploaded.name),
                            "limit": settings.ATTACHMENT_MAX_FILES_PER_SLOT,
                        },
                    )
                    continue
                try:
                    checked = check_upload(uploaded, accept=self.accept)
                except ValidationError as error:
                    for message in error.messages:
                        self.add_error(
                            kind,
                            _("「%(name)s」未上传：%(reason)s")
                            % {"name": printable_name(uploaded.name), "reason": message},
                        )
                else:
                    self.accepted.append((kind, uploaded, checked))
                    self.room[kind] -= 1
        return data


class ReturnRepliesForm(forms.Form):
    """回复说明: the student's short answer to each item a 退回修改 ticked (no need to
    change it, e.g. 成绩单已是最新版本). A refused one is not saved; the rest of 保存 is."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"reply_{item.key}"] = forms.CharField(
                label=_("「%(item)s」的回复说明") % {"item": item.label},
                max_length=REPLY_MAX_LENGTH,
                required=False,
                validators=[plain_text],
            )

    def valid_replies(self):
        """{field or slot: reply} for the replies sent and accepted (an old tab that sends
        none leaves them as saved)."""
        if not self.is_bound:
            return {}
        return {
            name.removeprefix("reply_"): value
            for name, value in self.cleaned_data.items()
            if self.add_prefix(name) in self.data
        }


def error_summary(title, lead, *forms):
    """The box at the top of a refused form: `title`, `lead`, and each error of `forms` in
    the page's order, linked to its field's id (a radio group by its first choice)."""
    items = []
    for form in forms:
        items += [{"id": "", "label": "", "message": error} for error in form.non_field_errors()]
        for bound in form:
            for error in bound.errors:
                target = bound.id_for_label or f"{bound.auto_id}_0"
                # "请填写性别。" names its field already; "Enter a valid email" does not.
                label = "" if str(bound.label) in str(error) else bound.label
                items.append({"id": target, "label": label, "message": error})
    return {"title": title, "lead": lead, "items": items}
