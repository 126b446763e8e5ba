"""审核通过 / 审核不通过 / 退回修改 in admin: buttons on the change page and actions on a
selection, both through the services (never by setting `status`).

A rejection or a return needs a comment the student will read, so those go through an
intermediate page asking for it. Each application is decided on its own: a wrong
state, or another track's application in a forged request, is refused with a message
naming it, and the others still go through.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.validators import multiline_text

from . import services
from .models import Status

# decision (in URLs and action names) → (service, status it leads to, button label)
DECISIONS = {
    "approve": (services.approve_application, Status.APPROVED, pgettext_lazy("action", "审核通过")),
    "reject": (services.reject_application, Status.REJECTED, pgettext_lazy("action", "审核不通过")),
    "return": (services.return_application, Status.RETURNED, pgettext_lazy("action", "退回修改")),
}


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("审核意见"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        required=False,
        validators=[multiline_text],
        help_text=gettext_lazy("学生会在申请详情页和通知邮件中看到这条意见。"),
    )

    def __init__(self, *args, decision, **kwargs):
        super().__init__(*args, **kwargs)
        _service, status, label = DECISIONS[decision]
        self.fields["comment"].required = status in services.COMMENT_REQUIRED
        if self.fields["comment"].required:
            self.fields["comment"].error_messages["required"] = _(
                "%(decision)s需要填写意见，学生会看到这条意见。"
            ) % {"decision": label}


REVIEW_ACTIONS = ("approve_selected", "reject_selected", "return_selected")


class ReviewAdminMixin:
    """Mixed into ApplicationAdmin. `get_urls` and `get_actions` add to what the other
    classes give (no `actions = [...]` attribute, which one mixin would hide from another)."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.has_change_permission(request):
            for name in REVIEW_ACTIONS:
                func, name, description = self.get_action(name)
                actions[name] = (func, name, description)
        return actions

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/review/<str:decision>/",
                self.admin_site.admin_view(self.review_view),
                name="{}_{}_review".format(*info),
            )
        ]
        return urls + super().get_urls()

    # --- one application, from its change page ---------------------------------------

    def review_view(self, request, object_id, decision):
        if decision not in DECISIONS:
            raise PermissionDenied
        application = self.get_object(request, object_id)  # 404 outside the clerk's track
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[application.pk]
        )
        data = request.POST if request.method == "POST" else None
        form = ReviewCommentForm(data, decision=decision)
        if request.method == "POST" and form.is_valid():
            self.decide(request, [application], decision, form.cleaned_data["comment"])
            return redirect(change_url)
        return self.review_page(request, [application], decision, form, change_url)

    # --- a selection, from the list ------------------------------------------------------

    @admin.action(description=gettext_lazy("审核通过所选申请"), permissions=["change"])
    def approve_selected(self, request, queryset):
        self.decide(request, queryset, "approve", "")

    @admin.action(description=gettext_lazy("审核不通过所选申请…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        return self._decide_selection(request, queryset, "reject")

    @admin.action(description=gettext_lazy("退回修改所选申请…"), permissions=["change"])
    def return_selected(self, request, queryset):
        return self._decide_selection(request, queryset, "return")

    def _decide_selection(self, request, queryset, decision):
        """First call: the comment page. Its POST comes back here with `apply`."""
        form = ReviewCommentForm(
            request.POST if "apply" in request.POST else None, decision=decision
        )
        if form.is_valid():
            self.decide(request, queryset, decision, form.cleaned_data["comment"])
            return None  # back to the list, with the messages
        return self.review_page(request, list(queryset), decision, form, None)

    # --- shared ------------------------------------------------------------------------

    def review_page(self, request, applications, decision, form, change_url):
        _service, status, label = DECISIONS[decision]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": (
                _("%(decision)s：填写审核意见")
                if status in services.COMMENT_REQUIRED
                else _("%(decision)s：确认（审核意见可不填）")
            )
            % {"decision": label},
            "decision": decision,
            "decision_label": label,
            "applications": applications,
            "form": form,
            "change_url": change_url,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": f"{decision}_selected",
        }
        return TemplateResponse(
            request, "admin/applications/application/review_comment.html", context
        )

    def decide(self, request, applications, decision, comment):
        """Each application through the service; say which went through and which not."""
        service, _status, label = DECISIONS[decision]
        done, refused = [], []
        for application in applications:
            try:
                service(application=application, actor=request.user, comment=comment)
            except services.ApplicationError as error:
                refused.append(error.message)
            else:
                done.append(application.label)
        if done:
            messages.success(
                request,
                _("%(decision)s：已处理 %(count)s 份申请（%(names)s）。")
                % {"decision": label, "count": len(done), "names": _("；").join(done)},
            )
        for message in refused:
            messages.error(request, _("未处理：%(reason)s") % {"reason": message})
        if not (done or refused):  # e.g. a forged selection of another track's applications
            messages.warning(request, _("没有可以审核的申请。"))
