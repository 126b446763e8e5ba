from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "apps.applications"
    verbose_name = _("报名管理")

    def ready(self):
        from . import fragments, row_cache, services, student_cache  # noqa: F401  (forgets a student's
        # cached applications and list; renders the forms of a corrected program again,
        # where a worker runs)
