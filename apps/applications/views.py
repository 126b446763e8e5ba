from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.attachments.models import Attachment
from apps.programs import catalog_cache

from . import fragments, pdf, row_cache, services
from .models import Application, Notice


def own_application(request, pk, *, for_update=False):
    """The student's own application, or 404 for everyone else (no hint that it exists).

    `for_update`: locked until the caller's transaction ends, with the program's title
    alone (the audit log's name of the row) instead of the whole program."""
    queryset = Application.objects.for_student(request.user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",)).with_program_title()
    else:
        queryset = queryset.select_related("program")
    return get_object_or_404(queryset, pk=pk)


def not_editable(request, application):
    messages.info(
        request,
        _("该申请为「%(status)s」，不能再修改。") % {"status": application.get_status_display()},
    )
    return redirect("applications:detail", application.pk)


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
    application = own_application(request, pk)
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
    application = own_application(request, pk)
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
