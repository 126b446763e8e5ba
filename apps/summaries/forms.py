from django import forms
from django.utils.translation import gettext_lazy as _

from apps.applications.forms import AttachmentsForm
from apps.attachments.models import AttachmentKind
from apps.attachments.validators import SUMMARY_FILES

from .models import ReturnSummary, return_date_error


class SummaryForm(forms.ModelForm):
    """填写交流总结: the return date, labelled by the program's track (回国时间 / 返境时间)."""

    class Meta:
        model = ReturnSummary
        fields = ["return_date"]
        widgets = {"return_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        field = self.fields["return_date"]
        field.label = program.words["return_date"]
        field.error_messages["invalid"] = _("请输入有效的日期，如 2026-07-01。")
        field.help_text = _(
            "回国（返境）当天的日期：不能晚于今天，也不能早于项目开始日期（%(start)s）。"
        ) % {"start": program.start_date.isoformat()}

    def clean_return_date(self):
        day = self.cleaned_data.get("return_date")
        if day is not None and (error := return_date_error(self.program, day)):
            raise forms.ValidationError(error)
        return day


class SummaryFilesForm(AttachmentsForm):
    """The summary attachment (回国总结附件 / 交流总结附件): PDF or Word."""

    slots = (AttachmentKind.SUMMARY,)
    accept = SUMMARY_FILES
    html_accept = (
        ".pdf,.docx,application/pdf,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[AttachmentKind.SUMMARY]
        field.label = program.words["summary_attachment"]
        field.help_text = _("PDF 或 Word（.docx）文件，可上传多个。")
