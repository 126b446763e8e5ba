from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("programs/<int:program_pk>/apply/", views.start, name="start"),
]
