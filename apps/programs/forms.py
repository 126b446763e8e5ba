from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WindowState


class CatalogFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("项目标题、合作院校或国家/地区"), "class": "form-control"}
        ),
    )
    state = forms.ChoiceField(
        label=_("报名状态"),
        required=False,
        choices=[("", _("全部状态")), *WindowState.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
