from django.urls import path

from . import calendars, program_pages

app_name = "programs"

urlpatterns = [
    path("", program_pages.home, name="home"),
    path("programs/<str:region>/", program_pages.program_list, name="list"),
    path("programs/<str:region>/<int:pk>/", program_pages.program_detail, name="detail"),
    # 加入日历: the program's closing time and dates as an .ics file.
    path("programs/<str:region>/<int:pk>/calendar.ics", calendars.program_ics, name="calendar"),
]
