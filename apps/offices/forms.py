from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    """核验申请表: the two values printed on the paper form."""

    number = forms.IntegerField(
        label=_("申请编号"),
        min_value=1,
        max_value=2_000_000_000,
        error_messages={"invalid": _("申请编号是纸质表上方的数字。")},
    )
    code = forms.CharField(
        label=_("校验码"),
        max_length=20,
        help_text=_("纸质表上方或页脚的八位校验码，如 ABCD-EFGH。"),
    )
