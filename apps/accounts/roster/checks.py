"""Checking one row: each cell with the profile form's own field rules."""

import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from ..forms import ProfileForm
from ..models import DegreeLevel, Gender, StudentProfile
from .file import ROSTER_FIELDS, _field_label

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


def normalise_student_id(text):
    """学号 as the accounts store it: full-width digits and letters made ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


class _Checker:
    """The profile form's field rules, built once for the whole file."""

    def __init__(self):
        # GPA is the roster's alone: not on the student's form, so its model field's own.
        self.form_fields = {
            **ProfileForm.base_fields,
            "gpa": StudentProfile._meta.get_field("gpa").formfield(),
        }
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
        elif name in ("enrollment_year", "phone", "email", "gpa"):
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
