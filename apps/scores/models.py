from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.applications.models import Application, LanguageTest


class ScoreSupplement(models.Model):
    """The one-time 补录分数: the OneToOne key is what makes it once-only, even under races."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="score_supplement",
        verbose_name=_("报名申请"),
    )
    language_test = models.CharField(_("外语考试类型"), max_length=20, choices=LanguageTest.choices)
    score = models.DecimalField(
        _("外语成绩"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("补录人"),
    )
    created_at = models.DateTimeField(_("补录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("补录分数")
        verbose_name_plural = pgettext_lazy("plural", "补录分数")

    def __str__(self):
        return f"{self.application} · {self.get_language_test_display()} {self.score}"
