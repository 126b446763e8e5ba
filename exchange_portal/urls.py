from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("学生交流管理系统 · 管理后台")
admin.site.site_title = _("学生交流管理系统")
admin.site.index_title = _("出国（境）事务管理")
# Wide lists matter more to the clerks than the app sidebar.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", include("apps.programs.urls")),
    path("", include("apps.applications.urls")),
    path("", include("apps.scores.urls")),
    path("", include("apps.summaries.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
