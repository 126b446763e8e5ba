from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.applications.models import Application
from apps.applications.services import ApplicationError
from apps.attachments.models import AttachmentKind
from apps.attachments.uploads import posted_ids, room_per_slot

from . import services
from .forms import SummaryFilesForm, SummaryForm
from .models import ReturnSummary, summary_closed_reason

SLOTS = (AttachmentKind.SUMMARY,)


def _page(request, application, summary, form, files_form):
    files = list(application.attachments.filter(kind=AttachmentKind.SUMMARY))
    context = {
        "application": application,
        "program": application.program,
        "summary": summary,
        "form": form,
        "files_form": files_form,
        "files": files,
        "slot": {"field": files_form[AttachmentKind.SUMMARY], "files": files, "required": True},
    }
    return render(request, "summaries/edit.html", context)


@login_required
def edit(request, pk):
    """填写交流总结: 保存 keeps what is valid, 提交 checks everything and locks it."""
    application = get_object_or_404(
        Application.objects.for_student(request.user).select_related("program"), pk=pk
    )
    if reason := summary_closed_reason(application):
        messages.error(request, reason)
        return redirect("applications:detail", application.pk)
    program = application.program
    summary = ReturnSummary.objects.filter(application=application).first()
    summary = summary or ReturnSummary(application=application)

    if request.method != "POST" or summary.is_submitted:
        if request.method == "POST":
            messages.error(request, _("交流总结已提交，不能再修改。"))
        form = SummaryForm(instance=summary, program=program)
        return _page(request, application, summary, form, SummaryFilesForm(program=program))

    remove_ids = posted_ids(request.POST.getlist("remove"))
    form = SummaryForm(request.POST, instance=summary, program=program)
    files_form = SummaryFilesForm(
        request.POST,
        request.FILES,
        program=program,
        room=room_per_slot(application, SLOTS, remove_ids),
    )
    form.is_valid()
    files_form.is_valid()
    changes = {"return_date": form.cleaned_data["return_date"]} if form.is_valid() else {}
    try:
        summary = services.save_summary(
            application=application,
            user=request.user,
            changes=changes,
            new_files=files_form.accepted,
            remove_ids=remove_ids,
        )
        if not (form.errors or files_form.errors) and request.POST.get("action") == "submit":
            services.submit_summary(application=application, user=request.user)
            messages.success(request, _("交流总结已提交。"))
            return redirect("applications:detail", application.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        summary = ReturnSummary.objects.filter(application=application).first() or summary
        for name, message in error.problems.items():
            target = form if name in form.fields else files_form
            target.add_error(name, message)
        return _page(request, application, summary, form, files_form)

    if form.errors or files_form.errors:
        messages.warning(
            request, _("其余内容已保存；下面标出的内容有误，未保存，请改正后再保存或提交。")
        )
        return _page(request, application, summary, form, files_form)
    messages.success(request, _("交流总结已保存，确认无误后请点击「提交」。"))
    return redirect("summaries:edit", application.pk)
