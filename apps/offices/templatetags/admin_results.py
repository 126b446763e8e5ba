"""The office's tools on the admin index: result import, statistics, form verification."""

from django import template
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.applications.models import Application

register = template.Library()


@register.inclusion_tag("admin/applications/results_links.html", takes_context=True)
def admission_results_links(context):
    request = context["request"]
    model_admin = admin.site._registry.get(Application)
    if model_admin is None or not hasattr(model_admin, "has_export_permission"):
        return {"links": []}
    links = []
    if model_admin.has_admission_permission(request):
        links.append((_("导入录取结果"), model_admin.url_for("admission_import")))
    if model_admin.has_export_permission(request):
        links.append((_("报名统计"), model_admin.url_for("statistics")))
    if request.user.is_staff:
        links.append((_("核验纸质申请表"), reverse("applications:verify")))
    return {"links": links, "opts": Application._meta}
