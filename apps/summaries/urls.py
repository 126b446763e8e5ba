from django.urls import path

from . import views

app_name = "summaries"

urlpatterns = [
    path("applications/<int:pk>/summary/", views.edit, name="edit"),
]
