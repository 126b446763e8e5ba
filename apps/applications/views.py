import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import own_profile
from apps.attachments.models import Attachment
from apps.attachments.uploads import posted_ids, room_per_slot
from apps.attachments.validators import max_upload_mb
from apps.programs import catalog_cache
from apps.programs.models import Program

from . import fragments, pdf, row_cache, services
from .forms import ApplicationForm, AttachmentsForm, ReturnRepliesForm, error_summary
from .models import Application, Notice


def _own_application(request, pk, *, for_update=False):
    """The student's own application, or 404 for everyone else (no hint that it exists).

    `for_update`: locked until the caller's transaction ends, with the program's title
    alone (the audit log's name of the row) instead of the whole program."""
    queryset = Application.objects.for_student(request.user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",)).with_program_title()
    else:
        queryset = queryset.select_related("program")
    return get_object_or_404(queryset, pk=pk)


def _not_editable(request, application):
    messages.info(
        request,
        _("该申请为「%(status)s」，不能再修改。") % {"status": application.get_status_display()},
    )
    return redirect("applications:detail", application.pk)


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
    application = _own_application(request, pk)
    if not application.is_editable:
        return _not_editable(request, application)
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
        application = _own_application(request, pk, for_update=True)
        if not application.is_editable:
            return _not_editable(request, application)
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


@login_required
def application_list(request):
    """近期申请列表: every application of the student, newest first."""
    return HttpResponse(fragments.application_list_page(request))


@login_required
def detail(request, pk):
    """详情: what was submitted, the files, the history, and what the student may do now.

    All but the summary's card is cached per version of the application (its
    `updated_at`, moved on by every save, status change, score, result and file change),
    of the summary, of the catalog (the program) and the day (`fragments.details`)."""
    # The row from the cache (row_cache: forgotten on any change), its passport number
    # deferred (decrypted only to render); the program from the catalog's cache (replaced
    # whenever any program changes).
    application = row_cache.own_application(request.user, pk)
    if application is None:
        raise Http404
    application.program = catalog_cache.program(application.program_id)
    summary = None
    if application.can_write_summary:
        summary = getattr(application, "return_summary", None)
    if summary is None:  # the whole page from the cache
        return HttpResponse(fragments.details_page(request, application))
    return render(
        request, "applications/detail.html", fragments.detail_context(application, summary)
    )


@login_required
def withdraw(request, pk):
    """撤回申请: a confirm page, then POST."""
    application = _own_application(request, pk)
    if request.method == "POST":
        try:
            services.withdraw_application(application=application, user=request.user)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("申请已撤回。"))
        return redirect("applications:detail", application.pk)
    if not application.can_withdraw:
        messages.error(
            request,
            _("该申请当前为「%(status)s」，不能撤回；只有待审核的申请可以撤回。")
            % {"status": application.get_status_display()},
        )
        return redirect("applications:detail", application.pk)
    return render(request, "applications/withdraw_confirm.html", {"application": application})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_draft(request, pk):
    """删除草稿: a confirm page, then POST; for a draft that never reached the office."""
    application = _own_application(request, pk)
    if request.method == "POST":
        try:
            services.delete_draft(application=application, user=request.user)
        except services.ApplicationError as error:
            messages.error(request, error.message)
            return redirect("applications:detail", application.pk)
        messages.success(
            request, _("「%(title)s」的报名草稿已删除。") % {"title": application.program.title}
        )
        return redirect("applications:list")
    if refusal := application.draft_deletion_refusal():
        messages.error(request, refusal)
        return redirect("applications:detail", application.pk)
    files = application.attachments.order_by("kind", "pk")
    return render(
        request, "applications/delete_confirm.html", {"application": application, "files": files}
    )


@login_required
def download_attachment(request, pk, attachment_pk):
    """A file of an application, for its owner and the staff of its track only; a version
    superseded after a 退回修改 for the staff of its track only (not the owner: the office
    compares it with the new one; the student has their own copy)."""
    visible = Application.objects.visible_to(request.user)
    attachment = (
        Attachment.objects.filter(application__in=visible, purged_at=None)
        .filter(pk=attachment_pk, application_id=pk)
        .first()
    )
    if attachment is None:
        office = Application.objects.office_sees(request.user)
        attachment = get_object_or_404(
            Attachment.versions.filter(
                application__in=office, purged_at=None, superseded_at__isnull=False
            ),
            pk=attachment_pk,
            application_id=pk,
        )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def download_pdf(request, pk):
    """下载申请表: the printable form, for the owner and the staff of the track."""
    # A cached form needs only what names it; a render reads all of it again.
    visible = Application.objects.visible_to(request.user)
    application = get_object_or_404(pdf.for_cache_check(visible), pk=pk)
    if application.student_id == request.user.pk:
        application.student = request.user  # the owner: not read again
    # A file, not bytes: the server sends it straight from the file (sendfile).
    response = FileResponse(
        pdf.application_pdf(application, pdf.verify_url(request, application)),
        as_attachment=True,
        filename=pdf.pdf_filename(application),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dismiss_notice(request, pk):
    """知道了: the notice leaves the home page (it stays in the application's history)."""
    notice = get_object_or_404(Notice.objects.filter(student=request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect("programs:home")
