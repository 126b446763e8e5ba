from django import forms
from django.utils.translation import gettext_lazy as _

from apps.applications.models import score_range_error
from apps.programs.models import ProgramRequirement, RequirementKind


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


class ProgramRequirementForm(forms.ModelForm):
    """One 申请条件 on the program's admin page: the fields its kind needs, and only those."""

    class Meta:
        model = ProgramRequirement
        fields = [
            "kind",
            "language_test",
            "minimum",
            "degree_level",
            "names",
            "excluded",
            "required",
        ]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        minimum = data.get("minimum")
        need = {
            RequirementKind.LANGUAGE: ["language_test", "minimum"],
            RequirementKind.DEGREE: ["degree_level"],
            RequirementKind.YEAR: ["minimum"],
            RequirementKind.GPA: ["minimum"],
            RequirementKind.COLLEGE: ["names"],
            RequirementKind.MAJOR: ["names"],
        }.get(kind, [])
        for name in need:
            if data.get(name) in ("", None) and name not in self.errors:
                self.add_error(
                    name,
                    _("「%(kind)s」条件需要填写%(field)s。")
                    % {
                        "kind": RequirementKind(kind).label,
                        "field": ProgramRequirement._meta.get_field(name).verbose_name,
                    },
                )
        if error := _range_error(kind, minimum, data):
            self.add_error("minimum", error)
        names = data.get("names")
        listed = kind in (RequirementKind.COLLEGE, RequirementKind.MAJOR)
        if listed and names and not ProgramRequirement(names=names).name_list():
            self.add_error("names", _("请填写至少一个学院或专业名称。"))
        # What the kind does not use is not kept: a stale value would confuse the next reader.
        for name in ("language_test", "degree_level", "names"):
            if name not in need and name in data:
                data[name] = ""
        if "minimum" not in need:
            data["minimum"] = None
        if kind not in (RequirementKind.COLLEGE, RequirementKind.MAJOR):
            data["excluded"] = False
        return data


def _range_error(kind, minimum, data):
    """What is wrong with a requirement's minimum for its kind, or None."""
    if minimum is None:
        return None
    if kind == RequirementKind.LANGUAGE and data.get("language_test"):
        return score_range_error(data["language_test"], minimum)
    if kind == RequirementKind.YEAR and (minimum != int(minimum) or not 1 <= minimum <= 10):
        return _("年级应为 1 到 10 之间的整数。")
    if kind == RequirementKind.GPA and minimum > 100:
        return _("GPA 不能大于 100。")
    return None
