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


def ascii_number(text, max_digits=18):
    """`text` as a non-negative int if it is plain ASCII digits, else None.

    str.isdigit() also says yes to "²" and "٣", which int() then refuses (or reads as
    Arabic-Indic 3), and a 30-digit id overflows the database's integer columns: ids and
    years from a URL, a form or a file go through here. 18 digits fit a bigint."""
    text = str(text)
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
