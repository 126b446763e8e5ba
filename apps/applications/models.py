from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.models import PersonalDetails
from apps.programs.models import Program


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("已撤回")


# The student may change the form only in these states.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class AdmissionResult(models.TextChoices):
    PENDING = "pending", _("待定")
    ADMITTED = "admitted", _("录取")
    NOT_ADMITTED = "not_admitted", _("未录取")


class LanguageTest(models.TextChoices):
    IELTS = "ielts", _("雅思 IELTS")
    TOEFL = "toefl", _("托福 TOEFL")
    CET6 = "cet6", _("大学英语六级 CET-6")
    CET4 = "cet4", _("大学英语四级 CET-4")
    TOEIC = "toeic", _("托业 TOEIC")
    JLPT = "jlpt", _("日语能力考试 JLPT")
    TOPIK = "topik", _("韩国语能力考试 TOPIK")
    DELF = "delf", _("法语 DELF/DALF")
    TESTDAF = "testdaf", _("德语 TestDaF")
    OTHER = "other", _("其他")


class ApplicationQuerySet(models.QuerySet):
    def for_student(self, user):
        return self.filter(student=user)

    def in_region(self, region):
        return self.filter(program__region=region)


class Application(PersonalDetails):
    """One student's application to one program; its personal details are a snapshot."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("学生"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="applications", verbose_name=_("项目")
    )
    status = models.CharField(
        _("审核状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    admission_result = models.CharField(
        _("录取结果"),
        max_length=20,
        choices=AdmissionResult.choices,
        default=AdmissionResult.PENDING,
        db_index=True,
    )

    # 外语水平/成绩: may stay blank at submission and be supplemented once later.
    language_test = models.CharField(
        _("外语考试类型"), max_length=20, choices=LanguageTest.choices, blank=True
    )
    language_score = models.DecimalField(
        _("外语成绩"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    has_passport = models.BooleanField(_("是否已办理护照"), null=True, blank=True)
    passport_number = models.CharField(_("护照号码"), max_length=20, blank=True)
    passport_expiry = models.DateField(_("护照有效期"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("报名申请")
        verbose_name_plural = pgettext_lazy("plural", "报名申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "program"],
                name="one_application_per_student_per_program",
                violation_error_message=_("你已报名该项目，每个项目只能报名一次。"),
            ),
            # 否 stores no passport data; the form clears it, the database insists.
            # (has_passport is nullable: every comparison with it is guarded by isnull so
            # that SQL's NULL never lets a row slip through a CHECK.)
            models.CheckConstraint(
                condition=Q(has_passport__isnull=False, has_passport=True)
                | Q(passport_number="", passport_expiry=None),
                name="passport_data_only_with_passport",
            ),
            # Once out of the student's hands the passport answer is complete.
            models.CheckConstraint(
                condition=Q(status__in=EDITABLE_STATUSES)
                | Q(has_passport__isnull=False, has_passport=False)
                | Q(
                    has_passport__isnull=False,
                    has_passport=True,
                    passport_number__gt="",
                    passport_expiry__isnull=False,
                ),
                name="passport_complete_once_submitted",
            ),
            # The partner school answers only for applications the office approved.
            models.CheckConstraint(
                condition=Q(status=Status.APPROVED) | Q(admission_result=AdmissionResult.PENDING),
                name="admission_result_only_when_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="application_student_list_idx"),
            models.Index(fields=["program", "status"], name="application_program_status_idx"),
        ]

    def __str__(self):
        return f"{self.student.username} · {self.program}"

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    @property
    def score_missing(self):
        return self.language_score is None


class EventKind(models.TextChoices):
    STATUS = "status", _("审核状态")
    ADMISSION = "admission", _("录取结果")
    SCORE = "score", _("补录分数")
    SUMMARY = "summary", _("交流总结")


class ApplicationEvent(models.Model):
    """One recorded move of an application: who, when, from, to, and the comment."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("报名申请")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    from_value = models.CharField(_("原值"), max_length=20, blank=True)
    to_value = models.CharField(_("新值"), max_length=20)
    comment = models.TextField(_("意见"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("申请记录")
        verbose_name_plural = pgettext_lazy("plural", "申请记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"], name="event_timeline_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.from_label} → {self.to_label}"

    def _label(self, value):
        choices = {EventKind.STATUS: Status, EventKind.ADMISSION: AdmissionResult}.get(self.kind)
        if choices and value in choices.values:
            return choices(value).label
        return value

    @property
    def from_label(self):
        return self._label(self.from_value)

    @property
    def to_label(self):
        return self._label(self.to_value)
