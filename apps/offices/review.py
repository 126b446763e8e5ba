"""审核通过 / 审核不通过 / 退回修改 in admin: buttons on the change page and actions on a
selection, both through the services (never by setting `status`).

Every decision goes through a confirmation page that names the student, the program and
the decision (with the comment the student will read, required for a rejection or a
return): a misclick decides nothing. From one application's page, "确认并审核下一条"
opens the next 待审核 application of the list the clerk came from (its filters, search
and order ride along in `_changelist_filters`, as Django's own change page keeps them).
Each application is decided on its own: a wrong state, or another track's application
in a forged request, is refused with a message naming it, and the others still go
through.
"""

import copy
import functools
import operator

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.applications import services
from apps.applications.models import NOTE_MAX_LENGTH, Status, key_label
from apps.core.validators import multiline_text, plain_text

from .application_list import ApplicationChangeList

# The submit button that decides and opens the next 待审核 application of the list.
NEXT = "_review_next"

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

    def __init__(self, *args, decision, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        _service, status, label = DECISIONS[decision]
        self.fields["comment"].required = status in services.COMMENT_REQUIRED
        if self.fields["comment"].required:
            self.fields["comment"].error_messages["required"] = _(
                "%(decision)s需要填写意见，学生会看到这条意见。"
            ) % {"decision": label}
        # 退回修改 of one application: the fields and files to fix, each with a note.
        self.item_keys = []
        if status == Status.RETURNED and application is not None:
            self.item_keys = services.returnable_keys(application)
            self.fields["items"] = forms.MultipleChoiceField(
                label=gettext_lazy("需修改的内容"),
                choices=[(key, key_label(key)) for key in self.item_keys],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": gettext_lazy(
                        "「%(value)s」不是学生可以在报名表中修改的内容，不能勾选。"
                    ),
                    "invalid_list": gettext_lazy("需修改的内容无效，请重新勾选。"),
                },
            )
            for key in self.item_keys:
                self.fields[f"note_{key}"] = forms.CharField(
                    label=_("「%(item)s」的修改说明") % {"item": key_label(key)},
                    max_length=NOTE_MAX_LENGTH,
                    required=False,
                    validators=[plain_text],
                )

    def clean(self):
        data = super().clean()
        ticked = data.get("items") or []
        for key in self.item_keys:
            note = data.get(f"note_{key}", "")
            if key in ticked and not note and f"note_{key}" not in self.errors:
                self.add_error(f"note_{key}", _("已勾选，请填写修改说明。"))
            elif note and key not in ticked:
                self.add_error(f"note_{key}", _("填写了修改说明，请同时勾选这一项。"))
        return data

    def return_items(self):
        """{field or slot: 修改说明} ticked by the clerk (valid forms only)."""
        ticked = self.cleaned_data.get("items") or []
        return {key: self.cleaned_data[f"note_{key}"] for key in ticked}

    def item_rows(self, application):
        """One row per returnable item: its checkbox, its note and what it holds now."""
        checkboxes = {box.data["value"]: box for box in self["items"]}
        values = services.current_values(application)
        return [
            {
                "key": key,
                "checkbox": checkboxes[key],
                "note": self[f"note_{key}"],
                "current": values[key],
            }
            for key in self.item_keys
        ]


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
        filters = self.get_preserved_filters(request)
        if filters:
            change_url = f"{change_url}?{filters}"
        data = request.POST if request.method == "POST" else None
        form = ReviewCommentForm(data, decision=decision, application=application)
        if request.method == "POST" and form.is_valid():
            items = form.return_items() if form.item_keys else None
            self.decide(request, [application], decision, form.cleaned_data["comment"], items=items)
            if NEXT in request.POST:
                return self.redirect_to_next(request, application, filters)
            return redirect(change_url)
        return self.review_page(request, [application], decision, form, change_url)

    # --- 确认…并审核下一条 ----------------------------------------------------------------

    def redirect_to_next(self, request, decided, filters):
        """The next 待审核 application of the clerk's list after `decided` (from the top
        when none follows it), or the list itself, with a message, when none is left."""
        pk = self.next_to_review(request, decided)
        if pk is None:
            messages.info(request, _("当前列表中没有其他待审核的申请了。"))
            changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            preserved = QueryDict(filters).get("_changelist_filters", "") if filters else ""
            return redirect(f"{changelist}?{preserved}" if preserved else changelist)
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk]
        )
        return redirect(f"{change_url}?{filters}" if filters else change_url)

    def next_to_review(self, request, decided):
        queue = self.review_queue(request)
        if queue is None:
            return None
        queryset, ordering = queue
        pending = queryset.filter(status=Status.SUBMITTED).exclude(pk=decided.pk)
        after = _after_in_order(queryset, ordering, decided.pk)
        if after is not None:
            following = pending.filter(after).values_list("pk", flat=True).first()
            if following is not None:
                return following
        return pending.values_list("pk", flat=True).first()

    def review_queue(self, request):
        """(queryset, ordering) of the change list the clerk came from: the same filters,
        search and sort, scoped as the list is; None when its query is not valid."""
        list_request = copy.copy(request)
        list_request.GET = QueryDict(request.GET.get("_changelist_filters", ""))
        list_request.GET._mutable = False
        list_display = self.get_list_display(list_request)
        if self.get_actions(list_request):  # as the list numbers its columns (`o=`)
            list_display = ["action_checkbox", *list_display]
        try:
            changelist = ReviewQueue(
                list_request,
                self.model,
                list_display,
                self.get_list_display_links(list_request, list_display),
                self.get_list_filter(list_request),
                self.date_hierarchy,
                self.get_search_fields(list_request),
                self.get_list_select_related(list_request),
                self.list_per_page,
                self.list_max_show_all,
                self.list_editable,
                self,
                self.get_sortable_by(list_request),
                self.search_help_text,
            )
        except IncorrectLookupParameters:
            return None
        return changelist.queryset, changelist.ordering

    # --- a selection, from the list ------------------------------------------------------

    @admin.action(description=gettext_lazy("审核通过所选申请…"), permissions=["change"])
    def approve_selected(self, request, queryset):
        return self._decide_selection(request, queryset, "approve")

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
        applications = list(queryset.select_related("student", "program"))
        return self.review_page(request, applications, decision, form, None)

    # --- shared ------------------------------------------------------------------------

    def review_page(self, request, applications, decision, form, change_url):
        _service, status, label = DECISIONS[decision]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": (
                _("确认%(decision)s：填写审核意见")
                if status in services.COMMENT_REQUIRED
                else _("确认%(decision)s（审核意见可不填）")
            )
            % {"decision": label},
            "decision_status": status,
            "next_name": NEXT,
            "decision": decision,
            "decision_label": label,
            "applications": applications,
            "form": form,
            "change_url": change_url,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": f"{decision}_selected",
            "item_rows": (
                form.item_rows(applications[0]) if getattr(form, "item_keys", None) else None
            ),
        }
        return TemplateResponse(
            request, "admin/applications/application/review_comment.html", context
        )

    def decide(self, request, applications, decision, comment, items=None):
        """Each application through the service; say which went through and which not.
        `items`: what a single 退回修改 asks to fix. Returns how many went through."""
        service, _status, label = DECISIONS[decision]
        extra = {"items": items} if items else {}
        done, refused = [], []
        for application in applications:
            try:
                service(application=application, actor=request.user, comment=comment, **extra)
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
        return len(done)


class ReviewQueue(ApplicationChangeList):
    """The change list's query (filters, search, order) without reading a page of it."""

    def get_results(self, request):
        self.ordering = self.get_ordering(request, self.queryset)


def _after_in_order(queryset, ordering, pk):
    """A Q for the rows after row `pk` in `ordering` (plain field names, each ascending or
    descending, ending with the primary key), or None when the order is not one such a
    condition can follow (an expression, a relation, or an empty value on that row)."""
    if not ordering or any(not isinstance(term, str) for term in ordering):
        return None
    names = [term.removeprefix("-") for term in ordering]
    if names[-1] not in ("pk", "id"):
        return None
    model = queryset.model
    for name in names:
        if name == "pk" or "__" in name:  # a related column (student__username) compares
            continue
        try:
            if model._meta.get_field(name).is_relation:  # ordered by the other model's order
                return None
        except FieldDoesNotExist:
            return None
    row = model._base_manager.filter(pk=pk).values(*names).first()
    if row is None or any(value is None for value in row.values()):
        return None
    # (a, b, pk) after (x, y, z): a > x, or a = x and b > y, or a = x, b = y and pk > z.
    alternatives, equal = [], Q()
    for term, name in zip(ordering, names, strict=True):
        lookup = "lt" if term.startswith("-") else "gt"
        alternatives.append(equal & Q(**{f"{name}__{lookup}": row[name]}))
        equal &= Q(**{name: row[name]})
    return functools.reduce(operator.or_, alternatives)
