from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.programs.models import Program, WindowState


@login_required
def start(request, program_pk):
    """报名. The form itself arrives with the application issue; the window is already enforced."""
    program = get_object_or_404(Program.objects.published(), pk=program_pk)
    if not program.is_open():
        if program.window_state() == WindowState.UPCOMING:
            messages.error(request, _("该项目报名尚未开始，不能报名。"))
        else:
            messages.error(request, _("该项目已停止报名，不能报名。"))
        return redirect(program)
    return render(request, "applications/coming_soon.html", {"program": program})
