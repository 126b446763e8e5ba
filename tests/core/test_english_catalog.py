"""The English catalog's small slips, found by a reader once and kept away."""

import re
from pathlib import Path

PO = Path(__file__).parents[2] / "locale/en/LC_MESSAGES/django.po"


def english():
    """Every msgstr of the catalog, its continuation lines joined."""
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', text, re.M)
    return ["".join(re.findall(r'"(.*)"', entry)) for entry in entries]


def test_enrollment_is_spelled_one_way():
    slips = [s for s in english() if "enrolment" in s.lower()]
    assert slips == [], "the portal writes “enrollment” (US spelling), as in its other strings"


def test_quotes_around_words_are_curly():
    # Straight quotes are kept only inside HTML tags (href=\"…\").
    slips = [s for s in english() if '\\"' in re.sub(r"<[^>]*>", "", s)]
    assert slips == []
