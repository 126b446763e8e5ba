from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from apps.programs.models import Program


@login_required
def start(request, program_pk):
    """报名: the application form arrives with the application issue; until then, say so."""
    program = get_object_or_404(Program.objects.published(), pk=program_pk)
    return render(request, "applications/coming_soon.html", {"program": program})
