"""`{% data_lang value %}`: the `lang` of data typed in Chinese (a program's title, a
partner school, a student's name) shown on a page in another language, so that a screen
reader reads it in a Chinese voice (WCAG 3.1.2). Put it inside the element's tag."""

import re

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


@register.simple_tag
def data_lang(*values):
    """` lang="zh-Hans"` on a page not in Chinese when any of `values` holds Chinese."""
    if (translation.get_language() or "").startswith("zh"):
        return ""
    if any(CHINESE.search(str(value)) for value in values if value):
        return mark_safe(' lang="zh-Hans"')
    return ""


@register.filter
def lang_span(value):
    """`value` in a `<span lang="zh-Hans">` where data_lang would mark it: for data inside
    a translated sentence ({% blocktranslate with name=name|lang_span %})."""
    if data_lang(value):
        return format_html('<span lang="zh-Hans">{}</span>', value)
    return value
