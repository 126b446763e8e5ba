from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import LoginLockout, StudentProfile

from ..roster_import import RosterImportAdminMixin
from ..tracks import CheckedSelectionAdminMixin


@admin.register(StudentProfile)
class StudentProfileAdmin(RosterImportAdminMixin, CheckedSelectionAdminMixin, admin.ModelAdmin):
    list_display = ["student_id", "name", "school", "major", "degree_level", "enrollment_year"]
    list_filter = ["degree_level", "school"]
    search_fields = ["user__username", "name", "name_en"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["ldap_fields", "roster_fields", "updated_at"]

    @admin.display(description=_("学号"), ordering="user__username")
    def student_id(self, obj):
        return obj.user.username


@admin.register(LoginLockout)
class LoginLockoutAdmin(CheckedSelectionAdminMixin, admin.ModelAdmin):
    """Failed sign-ins per 学号 and address; 解锁 deletes the record (django-axes' reset).

    Read-only pages; unlocking takes the change permission, which the office groups have.
    Office clerks see and unlock students and other non-staff accounts only: a staff
    account being guessed at is the administrator's business.
    """

    list_display = ["login", "address", "failures", "last_failure", "state"]
    search_fields = ["username", "ip_address"]
    fields = ["login", "address", "failures", "last_failure", "state", "browser"]
    readonly_fields = fields
    actions = ["unlock"]
    ordering = ["-attempt_time"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            staff = get_user_model().objects.filter(is_staff=True).values("username")
            queryset = queryset.exclude(username__in=staff)
        return queryset

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unlock_permission(self, request):
        return request.user.has_perm("accounts.change_loginlockout")

    @admin.action(description=_("解锁所选账户"), permissions=["unlock"])
    def unlock(self, request, queryset):
        count = queryset.count()
        queryset.delete()
        self.message_user(
            request,
            ngettext("已解锁 %(count)d 条记录。", "已解锁 %(count)d 条记录。", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("学号/用户名"), ordering="username")
    def login(self, obj):
        return obj.username

    @admin.display(description=_("IP 地址"), ordering="ip_address")
    def address(self, obj):
        return obj.ip_address

    @admin.display(description=_("失败次数"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(description=_("最近一次失败"), ordering="attempt_time")
    def last_failure(self, obj):
        return timezone.localtime(obj.attempt_time).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("浏览器"))
    def browser(self, obj):
        return obj.user_agent

    @admin.display(description=_("状态"))
    def state(self, obj):
        until = obj.attempt_time + settings.AXES_COOLOFF_TIME
        if obj.failures_since_start < settings.AXES_FAILURE_LIMIT:
            return _("未锁定")
        if until <= timezone.now():
            return _("已过期")
        return _("锁定至 %(time)s") % {"time": timezone.localtime(until).strftime("%H:%M")}
