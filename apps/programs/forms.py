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
    # Judged per student (apps.applications.program_pages): the programs whose requirements
    # the student's profile and scores do not meet are left out.
    eligible = forms.BooleanField(
        label=_("只看我符合条件的项目"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
