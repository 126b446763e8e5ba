from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoresConfig(AppConfig):
    name = "apps.scores"
    verbose_name = _("成绩管理")
