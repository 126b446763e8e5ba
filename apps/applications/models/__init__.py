"""The applications app's models, one module per part: choices and rules, the application,
its history, and what the student is told. Import from here."""

from .application import Application, ApplicationQuerySet, staff_regions
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
    LanguageTest,
    Status,
    add_months,
    format_score,
    passport_number_validator,
    score_label,
    score_range_error,
    score_text,
)
from .events import STATUS_HEADLINES, ApplicationEvent, EventKind
from .notices import DraftReminder, Notice, NoticeQuerySet

__all__ = [
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
