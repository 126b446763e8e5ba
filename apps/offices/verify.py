"""核验申请表: the office's page that checks a signed paper form against what was
submitted online. Its URL is among the applications' (`applications:verify`, joined in
exchange_portal/urls.py), where the PDF's QR code points."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.applications import pdf
from apps.applications.models import Application, staff_regions
from apps.programs.models import TRACK_WORDS, Region

from .forms import VerifyForm


@login_required
def verify(request):
    """核验申请表 (staff): the number and code printed on a paper form lead to what was
    submitted online, so that a signed copy can be checked against it."""
    if not request.user.is_staff:
        raise PermissionDenied
    form = VerifyForm(request.GET or None)
    application = None
    if form.is_valid():
        candidates = pdf.printable(Application.objects.visible_to(request.user))
        application = candidates.filter(pk=form.cleaned_data["number"]).first()
        if application is None or not application.matches_code(form.cleaned_data["code"]):
            application = None
            form.add_error(
                None,
                _(
                    "申请编号与校验码不符：纸质表可能不是这份申请的最新提交，"
                    "或该申请不属于你所在的办公室。"
                ),
            )
        else:
            pdf.load_form_data(application)
    # An office's page, in the admin's frame (reached from the admin index and the PDF's QR
    # code), naming the office rather than the clerk's account.
    regions = Region.values if request.user.is_superuser else staff_regions(request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("核验申请表"),
        "form": form,
        "application": application,
        "office_name": "、".join(str(TRACK_WORDS[r]["office"]) for r in regions),
        "can_open_in_admin": request.user.has_perm("applications.view_application"),
    }
    return render(request, "applications/verify.html", context)
