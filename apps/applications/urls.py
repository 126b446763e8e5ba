from django.urls import path

from . import calendars, form_views, views

app_name = "applications"

urlpatterns = [
    path("programs/<int:program_pk>/apply/", form_views.start, name="start"),
    path("applications/", views.application_list, name="list"),
    path("applications/<int:pk>/", views.detail, name="detail"),
    path("applications/<int:pk>/edit/", form_views.edit, name="edit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/delete/", views.delete_draft, name="delete"),
    path("applications/<int:pk>/form.pdf", views.download_pdf, name="pdf"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        views.download_attachment,
        name="attachment",
    ),
    path("notices/<int:pk>/dismiss/", views.dismiss_notice, name="dismiss_notice"),
    # 日历订阅: the secret token is the only credential (calendar apps have no session).
    path("calendar/<str:token>.ics", calendars.feed, name="calendar_feed"),
]
