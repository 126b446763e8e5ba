from axes.models import AccessAttempt
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.validators import plain_text


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class DegreeLevel(models.TextChoices):
    UNDERGRADUATE = "undergraduate", _("本科")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")


phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 -]{5,19}$", _("请输入有效的电话号码（数字，可带 + 和 -）。")
)


class PersonalDetails(models.Model):
    """Personal and academic details: kept on the profile, copied onto each application."""

    name = models.CharField(_("姓名"), max_length=50, blank=True, validators=[plain_text])
    name_en = models.CharField(
        _("英文/拼音姓名"), max_length=100, blank=True, validators=[plain_text]
    )
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    school = models.CharField(_("学院"), max_length=100, blank=True, validators=[plain_text])
    major = models.CharField(_("专业"), max_length=100, blank=True, validators=[plain_text])
    degree_level = models.CharField(
        _("学历层次"), max_length=20, choices=DegreeLevel.choices, blank=True
    )
    enrollment_year = models.PositiveSmallIntegerField(
        _("入学年份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        abstract = True


PERSONAL_FIELDS = [
    "name",
    "name_en",
    "gender",
    "degree_level",
    "school",
    "major",
    "enrollment_year",
    "phone",
    "email",
]


class StudentProfile(PersonalDetails):
    """What the portal knows about a student, filled from LDAP where the directory has it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Fields the directory supplied at the last sign-in: read-only for the student.
    ldap_fields = models.JSONField(_("来自统一身份认证的字段"), default=list, blank=True)
    # Fields the registrar's roster supplied at its last import (apps.accounts.roster):
    # read-only too, except where the directory supplies them (it wins).
    roster_fields = models.JSONField(_("来自学籍名单的字段"), default=list, blank=True)
    # 平均学分绩点, from the registrar's roster only (the student cannot type it): judged
    # against a program's minimum GPA (apps.programs.requirements).
    gpa = models.DecimalField(
        _("平均学分绩点 GPA"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Emails are written in the language the student last chose in the header (Chinese first).
    language = models.CharField(
        _("通知语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学生信息")
        verbose_name_plural = pgettext_lazy("plural", "学生信息")

    def __str__(self):
        return f"{self.student_id} {self.name}".strip()

    @property
    def locked_fields(self):
        """Fields the student cannot edit: what the directory or the roster supplied."""
        return sorted({*self.ldap_fields, *self.roster_fields})

    @property
    def student_id(self):
        """The student ID (学号) is the username."""
        return self.user.username

    def keep_typed_details(self, source):
        """The personal details the student typed on `source` (an application) become the
        profile's, so that the next 报名 starts from them; blanks never erase what the
        profile knows, and what the directory supplied stays as the directory says.
        Returns the names of the fields that changed."""
        locked = set(self.ldap_fields)
        changed = [
            name
            for name in PERSONAL_FIELDS
            if name not in locked
            and getattr(source, name) not in ("", None)
            and getattr(source, name) != getattr(self, name)
        ]
        for name in changed:
            setattr(self, name, getattr(source, name))
        if changed:
            self.save(update_fields=[*changed, "updated_at"])
        return changed


def own_profile(user):
    """The user's profile or None; no query when the sign-in loaded it already
    (`apps.accounts.backends` joins it to every signed-in user)."""
    try:
        return user.profile
    except StudentProfile.DoesNotExist:
        return None


class LoginLockout(AccessAttempt):
    """django-axes' failed-login record, shown to the office under the portal's own words."""

    class Meta:
        proxy = True
        verbose_name = _("登录锁定")
        verbose_name_plural = pgettext_lazy("plural", "登录锁定")

    def __str__(self):
        return f"{self.username} @ {self.ip_address}"


class CalendarFeed(models.Model):
    """日历订阅: the secret address of a student's personal calendar feed.

    Only the SHA-256 of the token is kept (like a password-reset token): the address is
    shown once, when it is made, and a copy of the database cannot be used to read
    anyone's deadlines. One per student; 重新生成 replaces the hash (the old address stops
    working), 停用订阅链接 deletes the row (the old address gives 404).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # Unique by a constraint, not unique=True: on PostgreSQL that would add a LIKE-only
    # twin index no lookup of an exact hash uses (tests/core/test_indexes.py).
    key_hash = models.CharField(_("订阅链接摘要"), max_length=64)
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = pgettext_lazy("plural", "日历订阅")
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="calendar_feed_key_hash_unique")
        ]

    def __str__(self):
        return str(self.user)
