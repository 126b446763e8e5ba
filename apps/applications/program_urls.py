from django.urls import path

from . import program_pages

app_name = "programs"

urlpatterns = [
    path("", program_pages.home, name="home"),
    path("programs/<str:region>/", program_pages.program_list, name="list"),
    path("programs/<str:region>/<int:pk>/", program_pages.program_detail, name="detail"),
]
