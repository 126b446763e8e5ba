from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<str:region>/", views.program_list, name="list"),
    path("programs/<str:region>/<int:pk>/", views.program_detail, name="detail"),
]
