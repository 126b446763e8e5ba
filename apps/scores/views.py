from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.applications.models import Application, format_score
from apps.applications.services import ApplicationError

from . import services
from .forms import ScoreSupplementForm


@login_required
def supplement(request, pk):
    """补录分数: the dialog posts here; without JavaScript this is the dialog as a page."""
    application = get_object_or_404(
        Application.objects.for_student(request.user).select_related("program"), pk=pk
    )
    if request.method != "POST":
        if not application.can_supplement_score:
            messages.info(request, services.refusal(application))
            return redirect("applications:detail", application.pk)
        form = ScoreSupplementForm()
        return render(request, "scores/supplement.html", {"application": application, "form": form})

    form = ScoreSupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            application = services.supplement_score(
                application=application,
                user=request.user,
                language_test=form.cleaned_data["language_test"],
                score=form.cleaned_data["language_score"],
                proof=form.cleaned_data["proof"],
            )
        except ApplicationError as error:
            if not error.problems:  # already supplemented, or no longer allowed
                messages.error(request, error.message)
                return redirect("applications:detail", application.pk)
            for name, message in error.problems.items():
                form.add_error(name, message)
        else:
            messages.success(
                request,
                _("外语成绩已补录：%(test)s %(score)s。")
                % {
                    "test": application.get_language_test_display(),
                    "score": format_score(application.language_score),
                },
            )
            return redirect("applications:detail", application.pk)
    return render(request, "scores/supplement.html", {"application": application, "form": form})
