"""Admin scoping by track: a clerk sees and acts only on their office's programs and
applications; superusers see both tracks.

Three layers, so that a typed URL or a forged POST gets nothing: the list's queryset
(`scope`), the object lookup (`get_object` answers 404 for an object outside the
scope, instead of Django's redirect to the index), and the object permissions
(`has_view_permission` / `has_change_permission` with an object refuse another
track: 403).
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _

from apps.applications.models import Application, staff_regions
from apps.programs.models import Region


def regions_of(request):
    """The clerk's tracks (looked up once per request: `staff_regions` caches them)."""
    return staff_regions(request.user)


class CheckedSelectionAdminMixin:
    """An action runs only on a selection of well-formed ids.

    Django filters the queryset with whatever ids the POST names, so a forged "1.5" or a
    number beyond the column's range fails deep in the action (a server error). They are
    refused here with a message instead, and nothing runs."""

    def response_action(self, request, queryset):
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                pk.run_validators(pk.to_python(value))
        except ValidationError:
            self.message_user(
                request,
                _("所选记录无效，未执行任何操作。请刷新页面后重新选择。"),
                messages.ERROR,
            )
            return None
        return super().response_action(request, queryset)


class TrackScopedAdminMixin(CheckedSelectionAdminMixin):
    """Subclasses say how to scope a queryset (`scope`) and which track an object is on
    (`region_of`)."""

    def scope(self, request, queryset):
        raise NotImplementedError

    def region_of(self, obj):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else self.scope(request, queryset)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("没有找到该记录，或者它不属于你所在办公室负责的项目。"))
        return obj

    def in_track(self, request, obj):
        return (
            obj is None or request.user.is_superuser or self.region_of(obj) in regions_of(request)
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_track(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_track(request, obj)


class ApplicationPartAdmin(TrackScopedAdminMixin, admin.ModelAdmin):
    """Admin for rows that belong to an application (files, history, score, summary):
    visible exactly when the application is."""

    def scope(self, request, queryset):
        return queryset.filter(application__in=Application.objects.visible_to(request.user))

    def region_of(self, obj):
        return obj.application.program.region

    # Files, scores and summaries come from the student through the services (with their
    # rules and history); nobody adds one by hand or deletes one, the superuser included.
    # Old files go only by the retention purge (`purge_attachments`).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OfficeTracksMixin:
    """What the office's own pages on ApplicationAdmin share (录取结果 in `results_admin`,
    exports and statistics in `reports`): whose tracks, which rows, their URLs."""

    def track_regions(self, request):
        """The tracks this user works for: both for a superuser (asked once per request)."""
        if not hasattr(request, "_track_regions"):
            user = request.user
            request._track_regions = (
                list(Region.values) if user.is_superuser else staff_regions(user)
            )
        return request._track_regions

    def _visible(self, request, queryset=None):
        queryset = Application.objects.all() if queryset is None else queryset
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=Application.objects.visible_to(request.user).values("pk"))

    def url_for(self, name, *args):
        info = self.opts.app_label, self.opts.model_name
        name = f"admin:{info[0]}_{info[1]}_{name}"
        return reverse(name, args=args, current_app=self.admin_site.name)

    def office_urls(self, routes):
        """(route, view, name) triples as the admin's own URLs, behind its sign-in."""
        info = self.opts.app_label, self.opts.model_name
        return [
            path(route, self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))
            for route, view, name in routes
        ]

    @staticmethod
    def with_tool(extra_context, name, allowed):
        """The change list's context with one more of its buttons (`results_tools`)."""
        extra_context = dict(extra_context or {})
        extra_context["results_tools"] = {**extra_context.get("results_tools", {}), name: allowed}
        return extra_context


class ReadOnlyAdminMixin:
    """Evidence (history rows, audit entries): readable, never added, edited or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
