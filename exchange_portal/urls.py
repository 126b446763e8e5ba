from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from apps.accounts.views import set_language

admin.site.site_header = _("交换项目管理后台")
admin.site.site_title = _("交换项目管理后台")
admin.site.index_title = _("出国（境）事务管理")
# Wide lists matter more to the clerks than the app sidebar.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.programs.urls")),
    path("", include("apps.applications.urls")),
    path("", include("apps.scores.urls")),
    path("", include("apps.summaries.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
