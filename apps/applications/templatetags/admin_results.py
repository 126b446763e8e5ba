"""Links to the office's result and statistics pages on the admin index."""

from django import template
from django.contrib import admin

from apps.applications.models import Application

register = template.Library()


@register.inclusion_tag("admin/applications/results_links.html", takes_context=True)
def admission_results_links(context):
    request = context["request"]
    model_admin = admin.site._registry.get(Application)
    if model_admin is None or not hasattr(model_admin, "has_export_permission"):
        return {"links": []}
    opts = Application._meta
    links = []
    if model_admin.has_admission_permission(request):
        links.append(("admission_import", model_admin.url_for("admission_import")))
    if model_admin.has_export_permission(request):
        links.append(("statistics", model_admin.url_for("statistics")))
    return {"links": links, "opts": opts}
