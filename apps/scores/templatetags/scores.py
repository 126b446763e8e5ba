from django import template

from ..forms import ScoreSupplementForm

register = template.Library()


@register.inclusion_tag("scores/includes/supplement_dialog.html")
def score_dialog(application):
    """The 补录外语分数 dialog of one application (ids unique when a page has several)."""
    form = ScoreSupplementForm(auto_id=f"id_score{application.pk}_%s")
    return {"application": application, "form": form}
