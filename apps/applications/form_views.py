"""报名信息填写, the form page: 报名 (start), and 保存 / 提交 of the form with its
attachments and, after a 退回修改, the replies to the office's items. The other pages of
a student's application are in views.py."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.models import own_profile
from apps.attachments.uploads import posted_ids, room_per_slot
from apps.attachments.validators import max_upload_mb
from apps.programs.models import Program

from . import services
from .forms import ApplicationForm, AttachmentsForm, ReturnRepliesForm, error_summary
from .views import not_editable, own_application


@login_required
@require_POST
def start(request, program_pk):
    """报名: create or reopen the draft, then show the form."""
    program = get_object_or_404(Program.objects.published(), pk=program_pk)
    try:
        application, created = services.start_application(program=program, student=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect(program)
    if not application.is_editable:
        messages.info(request, _("你已提交过该项目的申请，每个项目只能报名一次。"))
        return redirect("applications:detail", application.pk)
    if created:
        messages.success(request, _("已创建报名草稿，填写后请点击「保存」或「提交」。"))
    return redirect("applications:edit", application.pk)


def _add_problems(form, attachments_form, problems):
    """What 提交 still needs, beside its field, where the field has no error of its own."""
    for name, message in problems.items():
        target = form if name in form.fields else attachments_form
        if name in target.fields and not target.errors.get(name):
            target.add_error(name, message)


def _form_page(
    request, application, form, attachments_form, problems=None, summary=None, replies_form=None
):
    # One query for the files, shared by the slots and the completeness check.
    prefetch_related_objects([application], "attachments")
    attachments = list(application.attachments.all())
    if problems is None:
        problems = application.submission_problems()
    required = application.required_slots()
    unmet = [message for key, message in problems.items() if key.startswith("requirement:")]
    if summary is not None and unmet:
        # A required 申请条件 not met has no field: linked to the box above the form.
        links = [{"id": "section-requirements", "label": "", "message": m} for m in unmet]
        summary = {**summary, "items": [*summary["items"], *links]}
    return_items = _return_items(application, form, replies_form)
    slots = [
        {
            "field": attachments_form[kind],
            "files": [a for a in attachments if a.kind == kind],
            "required": kind in required,
            "return_item": return_items.get(kind),
        }
        for kind in services.FORM_SLOTS
    ]
    context = {
        "application": application,
        "program": application.program,
        "form": form,
        "attachments_form": attachments_form,
        "summary": summary,
        "slots": slots,
        "sections": application.completeness(problems),
        "problems": problems,
        # A required 申请条件 not met (services.eligibility), named above the form.
        "requirement_problems": unmet,
        "ready": not problems,
        "missing_count": len(problems),
        "return_comment": application.return_comment(),
        "return_items": return_items,
        "replies_form": replies_form,
        "return_item_list": list(return_items.values()),
        "max_upload_mb": max_upload_mb(),
        "passport_warning": application.passport_warning(),
        "can_delete": application.can_delete_draft,
    }
    return render(request, "applications/form.html", context)


def _return_items(application, form, replies_form=None):
    """需修改的内容 of a 退回修改, by field or slot, each with its state, the ids that link
    its note to the field (aria-describedby) and the 回复说明 as typed or saved."""
    items = {}
    posted = replies_form.data if replies_form is not None and replies_form.is_bound else {}
    errors = replies_form.errors if replies_form is not None and replies_form.is_bound else {}
    for state in application.return_item_states():
        item = state["item"]
        name = f"reply_{item.key}"
        items[item.key] = {
            **state,
            "key": item.key,
            "note_id": f"return-note-{item.key}",
            "reply_name": name,
            "reply": posted.get(name, item.reply),
            "reply_errors": errors.get(name, []),
        }
        if item.key in form.fields and item.key != "has_passport":
            # Django keeps a widget's own aria-describedby: the help text and errors too.
            bound = form[item.key]
            described = bound.aria_describedby or ""
            form.fields[item.key].widget.attrs["aria-describedby"] = (
                f"{described} return-note-{item.key}".strip()
            )
    return items


@sensitive_post_parameters("passport_number")
@login_required
def edit(request, pk):
    """报名信息填写页面: 保存 keeps anything, 提交 checks everything, 删除 removes a file."""
    profile = own_profile(request.user)
    if request.method == "POST":
        return _save(request, pk, profile)
    application = own_application(request, pk)
    if not application.is_editable:
        return not_editable(request, application)
    form = ApplicationForm(instance=application, profile=profile)
    return _form_page(request, application, form, AttachmentsForm())


def _save(request, pk, profile):
    """保存, and 提交 after it: whatever is valid is stored, then the rest is checked."""
    # The body, files included, is read before the row is locked: a slow upload holds
    # neither the lock nor an open transaction.
    posted, files = request.POST, request.FILES
    failure = None
    with transaction.atomic():
        # A 保存 reads the row once, locked until it is saved; the program only when it is
        # needed after the save (a submit, a page of errors).
        application = own_application(request, pk, for_update=True)
        if not application.is_editable:
            return not_editable(request, application)
        remove_ids = posted_ids(posted.getlist("remove"))
        removed = (
            application.attachments.filter(pk__in=remove_ids, kind__in=services.FORM_SLOTS).count()
            if remove_ids
            else 0
        )
        # The form checks a copy: `application` stays the row as read, for the save to diff.
        form = ApplicationForm(posted, instance=copy.copy(application), profile=profile)
        attachments_form = AttachmentsForm(
            posted,
            files,
            # Counted only when files come: a plain 保存 needs no count.
            room=room_per_slot(application, services.FORM_SLOTS, remove_ids) if files else None,
        )
        replies_form = ReturnRepliesForm(posted, items=application.open_return_items())
        form.is_valid()
        attachments_form.is_valid()
        replies_form.is_valid()
        try:
            application = services.save_draft(
                application=application,
                user=request.user,
                changes=form.valid_changes(),
                new_files=attachments_form.accepted,
                remove_ids=remove_ids,
                replies=replies_form.valid_replies(),
                locked=True,
            )
        except services.ApplicationError as error:
            # Rolled back when it was not `UploadNotStored` (which keeps the rest).
            failure = error
    if failure is not None:
        messages.error(request, failure.message)
        application.refresh_from_db()
        if not application.is_editable:  # submitted in another tab meanwhile
            return redirect("applications:detail", application.pk)
        # Lost a race for a slot's last place: show what was typed again, to save again.
        return _form_page(request, application, form, attachments_form, replies_form=replies_form)

    submitting = request.POST.get("action") == "submit"
    if form.errors or attachments_form.errors or replies_form.errors:
        problems = None
        title = _("部分内容未保存")
        lead = _("其余内容已保存；下面标出的内容有误，未保存，请改正后再保存或提交。")
        if submitting:
            # Not submitted: what is wrong and what is still missing, all in one list.
            prefetch_related_objects([application], "attachments")  # shared with the page
            problems = application.submission_problems() | services.unmet_requirements(application)
            _add_problems(form, attachments_form, problems)
            title = _("申请未提交")
            lead = _("其余内容已保存；下面标出的内容有误或未填写，请改正后再提交。")
        summary = error_summary(title, lead, form, attachments_form, replies_form)
        return _form_page(
            request,
            application,
            form,
            attachments_form,
            problems=problems,
            summary=summary,
            replies_form=replies_form,
        )

    if submitting:
        try:
            application = services.submit_application(application=application, user=request.user)
        except services.ApplicationError as error:
            application.refresh_from_db()
            if not application.is_editable:  # another tab submitted it between save and submit
                messages.error(request, error.message)
                return redirect("applications:detail", application.pk)
            # What was posted is now saved: show it again with the problems beside it.
            form = ApplicationForm(request.POST, instance=application, profile=profile)
            attachments_form = AttachmentsForm(request.POST, {})
            form.is_valid()
            attachments_form.is_valid()
            _add_problems(form, attachments_form, error.problems)
            summary = error_summary(_("申请未提交"), error.message, form, attachments_form)
            return _form_page(
                request,
                application,
                form,
                attachments_form,
                problems=error.problems,
                summary=summary,
            )
        messages.success(
            request,
            _("申请已提交，将由%(office)s审核。审核结果会显示在本页和「近期申请列表」中。")
            % {"office": application.program.words["office"]},
        )
        if warning := application.passport_warning():
            messages.warning(request, warning)
        return redirect("applications:detail", application.pk)

    if removed:
        messages.success(request, _("文件已删除，其余内容已保存。"))
    else:
        messages.success(request, _("已保存。下次可以在「近期申请列表」中点击「编辑」继续填写。"))
    return redirect("applications:edit", application.pk)
