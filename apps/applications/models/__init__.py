"""The applications app's models, one module per part: choices and rules, the application
(what its form lacks in completeness.py), its history, and what the student is told.
Import from here."""

from .application import (
    OFFICE_HEAD_GROUPS,
    REVERT_ADMISSION_PERMISSION,
    REVERT_REVIEW_PERMISSION,
    Application,
    ApplicationQuerySet,
    staff_regions,
)
from .choices import (
    EDITABLE_STATUSES,
    PRINTABLE_STATUSES,
    SCORE_RANGES,
    SECTION_ATTACHMENTS,
    SECTION_LANGUAGE,
    SECTION_PASSPORT,
    SECTION_PERSONAL,
    SECTIONS,
    AdmissionResult,
    Eligibility,
    LanguageTest,
    Status,
    add_months,
    format_score,
    passport_number_validator,
    score_label,
    score_range_error,
    score_text,
)
from .events import ADMISSION_KINDS, STATUS_HEADLINES, STATUS_KINDS, ApplicationEvent, EventKind
from .notices import DraftReminder, Notice, NoticeQuerySet

__all__ = [
    "ADMISSION_KINDS",
    "OFFICE_HEAD_GROUPS",
    "REVERT_ADMISSION_PERMISSION",
    "REVERT_REVIEW_PERMISSION",
    "STATUS_KINDS",
    "EDITABLE_STATUSES",
    "PRINTABLE_STATUSES",
    "SCORE_RANGES",
    "SECTIONS",
    "SECTION_ATTACHMENTS",
    "SECTION_LANGUAGE",
    "SECTION_PASSPORT",
    "SECTION_PERSONAL",
    "STATUS_HEADLINES",
    "AdmissionResult",
    "Application",
    "ApplicationEvent",
    "ApplicationQuerySet",
    "DraftReminder",
    "Eligibility",
    "EventKind",
    "LanguageTest",
    "Notice",
    "NoticeQuerySet",
    "Status",
    "add_months",
    "format_score",
    "passport_number_validator",
    "score_label",
    "score_range_error",
    "score_text",
    "staff_regions",
]
