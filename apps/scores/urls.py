from django.urls import path

from . import views

app_name = "scores"

urlpatterns = [
    path("applications/<int:pk>/score/", views.supplement, name="supplement"),
]
