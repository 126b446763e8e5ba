from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.applications.models import LanguageTest, score_range_error
from apps.attachments.validators import check_upload


class ScoreSupplementForm(forms.Form):
    """补录外语分数: test type, score, and an optional proof (screenshot or PDF)."""

    language_test = forms.ChoiceField(
        label=_("外语考试类型"), choices=[("", _("请选择"))] + LanguageTest.choices
    )
    language_score = forms.DecimalField(
        label=_("外语成绩"),
        max_digits=6,
        decimal_places=1,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    proof = forms.FileField(
        label=_("成绩证明（可选）"),
        required=False,
        allow_empty_file=True,  # check_upload says so in the words of every upload field
        help_text=_("成绩单或网页截图，PDF、JPG 或 PNG。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )

    def clean_proof(self):
        uploaded = self.cleaned_data.get("proof")
        if not uploaded:
            return None
        try:
            return uploaded, check_upload(uploaded)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean(self):
        data = super().clean()
        error = score_range_error(data.get("language_test"), data.get("language_score"))
        if error:
            self.add_error("language_score", error)
        return data
