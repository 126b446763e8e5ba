from django.urls import path

from . import cas, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    # 统一身份认证 (CAS): 404 unless AUTH_METHODS contains cas. Also the service URL the
    # CAS server returns to with a ticket and sends its logout requests to.
    path("cas/login/", cas.CASLoginView.as_view(), name="cas_login"),
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/issue/", views.calendar_feed_issue, name="calendar_issue"),
    path("profile/calendar/revoke/", views.calendar_feed_revoke, name="calendar_revoke"),
]
