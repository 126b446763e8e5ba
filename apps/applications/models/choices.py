"""The states, results, tests and sections an application is made of, and their rules."""

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.dates import add_months  # noqa: F401  (re-exported: models.add_months)
from apps.programs.models import LanguageTest

# An application against its program's 申请条件: 满足 / 不满足 / 暂无法判断.
from apps.programs.requirements import Verdict as Eligibility  # noqa: F401


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("已撤回")


# The student may change the form only in these states.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

# A printed 申请表 means something only for what the office has, as it was sent.
PRINTABLE_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.REJECTED)


class AdmissionResult(models.TextChoices):
    PENDING = "pending", _("待定")
    ADMITTED = "admitted", _("录取")
    NOT_ADMITTED = "not_admitted", _("未录取")


# The score each test can give, so that a typo (65 for IELTS 6.5) is caught at once.
SCORE_RANGES = {
    LanguageTest.IELTS: (Decimal(0), Decimal(9)),
    LanguageTest.TOEFL: (Decimal(0), Decimal(120)),
    LanguageTest.CET6: (Decimal(0), Decimal(710)),
    LanguageTest.CET4: (Decimal(0), Decimal(710)),
    LanguageTest.TOEIC: (Decimal(10), Decimal(990)),
    LanguageTest.JLPT: (Decimal(0), Decimal(180)),
    LanguageTest.TOPIK: (Decimal(0), Decimal(300)),
    LanguageTest.DELF: (Decimal(0), Decimal(100)),
    LanguageTest.TESTDAF: (Decimal(0), Decimal(20)),
    LanguageTest.OTHER: (Decimal(0), Decimal(99999)),
}


def score_range_error(test, score):
    """The message for a score outside what `test` can give, or None."""
    low, high = SCORE_RANGES.get(test, SCORE_RANGES[LanguageTest.OTHER])
    if score is not None and not low <= score <= high:
        return _("%(test)s 的成绩应在 %(low)s 到 %(high)s 之间。") % {
            "test": LanguageTest(test).label if test else _("外语考试"),
            "low": low,
            "high": high,
        }
    return None


def format_score(score):
    """7.0 → "7", 6.5 → "6.5", 100.0 → "100": scores as people write them."""
    text = f"{score:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def score_text(test, score):
    """IELTS in half bands always with its decimal ("7.0"), other tests as written ("102")."""
    return f"{score:.1f}" if test == LanguageTest.IELTS else format_score(score)


def score_label(test, score):
    """ "雅思 IELTS 7.0", "托福 TOEFL 102": a score with its test, as the offices read it."""
    if score is None:
        return ""
    text = score_text(test, score)
    return f"{LanguageTest(test).label} {text}" if test in LanguageTest.values else text


passport_number_validator = RegexValidator(
    r"^[A-Z0-9]{5,20}$", _("护照号码只能包含字母和数字（5 到 20 位）。")
)


# The form's sections, in order: the completeness indicator and the submit check use them.
SECTION_PERSONAL = "personal"
SECTION_LANGUAGE = "language"
SECTION_PASSPORT = "passport"
SECTION_ATTACHMENTS = "attachments"
SECTIONS = {
    SECTION_PERSONAL: _("个人及学业信息"),
    SECTION_LANGUAGE: _("外语水平/成绩"),
    SECTION_PASSPORT: _("护照信息"),
    SECTION_ATTACHMENTS: pgettext_lazy("section", "附件"),
}
