from django.contrib import admin
from django.urls import include, path

from apps.accounts import urls as accounts_urls
from apps.accounts.views import set_language
from apps.applications import my_data
from apps.applications import urls as applications_urls
from apps.offices import verify

# admin.site is apps.offices.site.PortalAdminSite (titles, no app sidebar).
# The 500 page, or a 503 with Retry-After while the database cannot be reached.
handler500 = "apps.core.views.server_error"

# A namespace whose pages live on two floors is joined here, at the top: 核验 is the
# offices' page among the applications' URLs, 下载我的数据 the applications' among the
# accounts'. Paths and names are as they were.
applications_patterns = [
    *applications_urls.urlpatterns,
    path("applications/verify/", verify.verify, name="verify"),
]
accounts_patterns = [
    *accounts_urls.urlpatterns,
    path("profile/my-data/", my_data.download_my_data, name="my_data"),
]

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.applications.program_urls")),  # namespace "programs"
    path("", include((applications_patterns, "applications"))),
    path("", include("apps.scores.urls")),
    path("", include("apps.summaries.urls")),
    path("accounts/", include((accounts_patterns, "accounts"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
