import re

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.validators import multiline_text, plain_text


class Region(models.TextChoices):
    """The two tracks: same flow, different office and a few different words."""

    INTERNATIONAL = "international", _("国际")
    HMT = "hmt", _("港澳台")


# The words that differ between the tracks live here, once, keyed by region.
TRACK_WORDS = {
    Region.INTERNATIONAL: {
        "section_title": _("校际交流项目（国际）"),
        "system_name": _("外事管理系统"),
        "office": _("国际交流部学生出国事务办公室"),
        "return_date": _("回国时间"),
        "summary_attachment": _("回国总结附件"),
    },
    Region.HMT: {
        "section_title": _("校际交流项目（港澳台）"),
        "system_name": _("港澳台管理系统"),
        "office": _("港澳台事务办公室"),
        "return_date": _("返境时间"),
        "summary_attachment": _("交流总结附件"),
    },
}


# Each track's office is a group of staff accounts; membership decides what a clerk sees.
OFFICE_GROUPS = {
    Region.INTERNATIONAL: "学生出国事务办公室",
    Region.HMT: "港澳台事务办公室",
}


class WindowState(models.TextChoices):
    OPEN = "open", _("报名中")
    UPCOMING = "upcoming", _("未开始")
    CLOSED = "closed", _("停止报名")


class ProgramQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def in_region(self, region):
        return self.filter(region=region)

    def open_now(self, now=None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def upcoming(self, now=None):
        return self.filter(opens_at__gt=now or timezone.now())

    def closed(self, now=None):
        return self.filter(closes_at__lte=now or timezone.now())

    def in_state(self, state, now=None):
        by_state = {
            WindowState.OPEN: self.open_now,
            WindowState.UPCOMING: self.upcoming,
            WindowState.CLOSED: self.closed,
        }
        return by_state[state](now)

    def search(self, text):
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text) | Q(partner__icontains=text) | Q(country__icontains=text)
        )

    def open_counts_by_region(self, now=None):
        """{region: number of published programs open now}, in one query."""
        rows = self.published().open_now(now).values("region").annotate(n=models.Count("pk"))
        counts = dict.fromkeys(Region.values, 0)
        counts.update({row["region"]: row["n"] for row in rows})
        return counts

    def catalog_order(self, now=None):
        """Open programs first (closing soonest first), then upcoming, then closed."""
        now = now or timezone.now()
        rank = models.Case(
            models.When(opens_at__lte=now, closes_at__gt=now, then=0),
            models.When(opens_at__gt=now, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return self.annotate(window_rank=rank).order_by("window_rank", "closes_at", "pk")


class Program(models.Model):
    # Indexed by program_catalog_idx, which it leads.
    region = models.CharField(_("项目类别"), max_length=20, choices=Region.choices)
    title = models.CharField(_("项目标题"), max_length=200, validators=[plain_text])
    partner = models.CharField(_("合作院校"), max_length=200, validators=[plain_text])
    country = models.CharField(_("国家/地区"), max_length=100, validators=[plain_text])
    description = models.TextField(_("项目介绍"), blank=True, validators=[multiline_text])
    quota = models.PositiveSmallIntegerField(_("名额"), null=True, blank=True)
    eligibility = models.TextField(_("申请条件"), blank=True, validators=[multiline_text])
    language_requirement = models.TextField(_("语言要求"), blank=True, validators=[multiline_text])
    term = models.CharField(_("交流学期"), max_length=100, blank=True, validators=[plain_text])
    duration = models.CharField(_("交流期限"), max_length=100, blank=True, validators=[plain_text])
    start_date = models.DateField(_("项目开始日期"))
    end_date = models.DateField(_("项目结束日期"))
    opens_at = models.DateTimeField(_("报名开始时间"))
    closes_at = models.DateTimeField(_("报名截止时间"))
    contact = models.CharField(_("联系方式"), max_length=200, blank=True, validators=[plain_text])
    is_published = models.BooleanField(_("已发布"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("交流项目")
        verbose_name_plural = pgettext_lazy("plural", "交流项目")
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="program_window_closes_after_it_opens",
                violation_error_message=_("报名截止时间必须晚于报名开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="program_ends_after_it_starts",
                violation_error_message=_("项目结束日期不能早于开始日期。"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["region", "is_published", "closes_at"], name="program_catalog_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programs:detail", args=[self.region, self.pk])

    @property
    def words(self):
        return TRACK_WORDS[self.region]

    def window_state(self, now=None):
        now = now or timezone.now()
        if now < self.opens_at:
            return WindowState.UPCOMING
        if now >= self.closes_at:
            return WindowState.CLOSED
        return WindowState.OPEN

    def is_open(self, now=None):
        """True while students may apply: published and inside the window."""
        return self.is_published and self.window_state(now) == WindowState.OPEN


class LanguageTest(models.TextChoices):
    """The language tests a score is given in (the application's 外语考试类型, and a
    requirement's accepted tests): here, below both, so that a program can name them."""

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


class RequirementKind(models.TextChoices):
    LANGUAGE = "language", _("外语成绩")
    DEGREE = "degree", _("学历层次")
    YEAR = "year", pgettext_lazy("requirement", "年级")  # of study, not the year of entry
    COLLEGE = "college", _("学院")
    MAJOR = "major", _("专业")
    GPA = "gpa", _("平均学分绩点 GPA")


# The profile's 学历层次 values (apps.accounts.models.DegreeLevel: programs may not import
# accounts), for the degree requirement.
DEGREE_LEVELS = [
    ("undergraduate", _("本科")),
    ("master", _("硕士")),
    ("doctorate", _("博士")),
]


class ProgramRequirement(models.Model):
    """One structured 申请条件 of a program, evaluated by apps.programs.requirements.

    Rows of the language kind are alternatives (any accepted test at its minimum
    satisfies), and so are rows of the degree kind; every other row is a requirement
    of its own."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("项目")
    )
    kind = models.CharField(_("条件类型"), max_length=20, choices=RequirementKind.choices)
    language_test = models.CharField(
        _("外语考试类型"), max_length=20, choices=LanguageTest.choices, blank=True
    )
    minimum = models.DecimalField(
        _("最低要求"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("外语成绩、年级或 GPA 的最低值。"),
    )
    degree_level = models.CharField(_("学历层次"), max_length=20, choices=DEGREE_LEVELS, blank=True)
    names = models.CharField(
        _("学院或专业"),
        max_length=500,
        blank=True,
        validators=[plain_text],
        help_text=_("多个名称用顿号或逗号分隔。"),
    )
    excluded = models.BooleanField(
        _("不接受所列学院/专业"), default=False, help_text=_("不勾选：只接受所列学院/专业。")
    )
    required = models.BooleanField(
        _("必须满足（提交时核对）"),
        default=False,
        help_text=_("不勾选则仅作参考，学生仍可提交。"),
    )

    class Meta:
        verbose_name = _("申请条件")
        verbose_name_plural = pgettext_lazy("plural", "申请条件")
        ordering = ["program", "kind", "pk"]

    def __str__(self):
        return self.get_kind_display()

    def name_list(self):
        """The colleges or majors named, in order, without blanks."""
        return [part.strip() for part in re.split(r"[、,，;；\n]", self.names) if part.strip()]
