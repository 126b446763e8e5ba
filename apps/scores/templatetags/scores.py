from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from ..forms import ScoreSupplementForm

register = template.Library()

# The dialog's empty fields are the same for every application but for the ids (unique
# when a page has several dialogs): crispy renders them in ~2 ms, so they are rendered
# once per language with a mark where the application's number goes.
PK_MARK = "__score_pk__"


@lru_cache(maxsize=8)
def _empty_fields(language):
    form = ScoreSupplementForm(auto_id=f"id_score{PK_MARK}_%s")
    with translation.override(language):
        return render_to_string("scores/includes/supplement_fields.html", {"form": form})


@register.inclusion_tag("scores/includes/supplement_dialog.html")
def score_dialog(application):
    """The 补录外语分数 dialog of one application (ids unique when a page has several)."""
    fields = _empty_fields(translation.get_language()).replace(PK_MARK, str(application.pk))
    return {"application": application, "fields": mark_safe(fields)}
