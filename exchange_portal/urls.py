from django.contrib import admin
from django.urls import include, path

from apps.accounts.views import set_language

# admin.site is apps.offices.site.PortalAdminSite (titles, no app sidebar).
# The 500 page, or a 503 with Retry-After while the database cannot be reached.
handler500 = "apps.core.views.server_error"

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.applications.program_urls")),  # namespace "programs"
    path("", include("apps.applications.urls")),
    path("", include("apps.scores.urls")),
    path("", include("apps.summaries.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
