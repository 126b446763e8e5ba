"""Checks on text people type, shared by the models and forms that store it."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class PlainTextValidator:
    """No control characters (NUL, escape, backspace...): PostgreSQL refuses NUL in text,
    spreadsheets refuse the others, and none of them is anything a person typed.
    `multiline` lets line breaks and tabs through (descriptions, comments)."""

    def __init__(self, multiline=False):
        self.multiline = multiline

    def __call__(self, value):
        allowed = "\t\r\n" if self.multiline else ""
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in str(value)):
            raise ValidationError(
                _("不能包含控制字符（如空字符、退格，或单行内容里的换行），请删除后重新输入。"),
                code="control_characters",
            )

    def __eq__(self, other):
        return isinstance(other, PlainTextValidator) and self.multiline == other.multiline


plain_text = PlainTextValidator()
multiline_text = PlainTextValidator(multiline=True)
