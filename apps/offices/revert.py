"""撤销审核 and 撤销录取结果 in admin: a page per application that shows what is taken back
and asks for the reason, then calls the service (which checks the permission and the
state again, under the row lock). Mixed into ApplicationAdmin.

撤销审核 is the track's office head's (`applications.revert_review`, held by the office
head groups), 撤销录取结果 the administrator's (`applications.revert_admission`, every
superuser has it). Clerks without them get 403; another track's application is 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.applications import services
from apps.applications.models import (
    REVERT_ADMISSION_PERMISSION,
    REVERT_REVIEW_PERMISSION,
    AdmissionResult,
    Status,
)
from apps.core.validators import multiline_text

from .tracks import OfficeTracksMixin


class RevertReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤销原因"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "aria-describedby": "reason-help"}),
        validators=[multiline_text],
        max_length=2000,
        help_text=gettext_lazy("必填。记入申请记录和操作日志，学生会在通知中看到这条原因。"),
        error_messages={"required": gettext_lazy("请填写撤销原因。")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写撤销原因。"))
        return reason


# what → (permission, service, page title)
CORRECTIONS = {
    "review": (
        REVERT_REVIEW_PERMISSION,
        services.revert_review,
        gettext_lazy("撤销审核"),
    ),
    "admission": (
        REVERT_ADMISSION_PERMISSION,
        services.revert_admission_result,
        gettext_lazy("撤销录取结果"),
    ),
}


class RevertAdminMixin(OfficeTracksMixin):
    def get_urls(self):
        routes = [
            ("<path:object_id>/revert-review/", self.revert_review_view, "revert_review"),
            ("<path:object_id>/revert-admission/", self.revert_admission_view, "revert_admission"),
        ]
        return self.office_urls(routes) + super().get_urls()

    def revert_urls(self, request, application):
        """The correction buttons the change page shows this user for `application`."""
        user = request.user
        urls = {}
        if (
            user.has_perm(REVERT_REVIEW_PERMISSION)
            and application.status in services.REVERTIBLE_STATUSES
            and application.admission_result == AdmissionResult.PENDING
        ):
            urls["revert_review_url"] = self.url_for("revert_review", application.pk)
        if (
            user.has_perm(REVERT_ADMISSION_PERMISSION)
            and application.admission_result != AdmissionResult.PENDING
        ):
            urls["revert_admission_url"] = self.url_for("revert_admission", application.pk)
        return urls

    def revert_review_view(self, request, object_id):
        return self._revert_view(request, object_id, "review")

    def revert_admission_view(self, request, object_id):
        return self._revert_view(request, object_id, "admission")

    def _revert_view(self, request, object_id, what):
        permission, service, title = CORRECTIONS[what]
        application = self.get_object(request, object_id)  # 404 outside the user's track
        allowed = request.user.has_perm(permission)
        if not (allowed and self.has_view_permission(request, application)):
            raise PermissionDenied
        change_url = self.url_for("change", application.pk)
        form = RevertReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                reason = form.cleaned_data["reason"]
                service(application=application, actor=request.user, reason=reason)
            except services.ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(what)s：%(application)s 已恢复为「%(state)s」，已通知学生。")
                    % {
                        "what": title,
                        "application": application.label,
                        "state": Status.SUBMITTED.label
                        if what == "review"
                        else AdmissionResult.PENDING.label,
                    },
                )
                return redirect(change_url)
        current = (
            application.get_status_display()
            if what == "review"
            else application.get_admission_result_display()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "what": what,
            "application": application,
            "current": current,
            "target": Status.SUBMITTED.label if what == "review" else AdmissionResult.PENDING.label,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/applications/application/revert.html", context)
