import base64
import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.models import PERSONAL_FIELDS, PersonalDetails
from apps.programs.models import OFFICE_GROUPS, Program


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("已撤回")


# The student may change the form only in these states.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

# A printed 申请表 means something only for what the office has, as it was sent.
PRINTABLE_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.REJECTED)


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


# The score each test can give, so that a typo (65 for IELTS 6.5) is caught at once.
SCORE_RANGES = {
    LanguageTest.IELTS: (Decimal(0), Decimal(9)),
    LanguageTest.TOEFL: (Decimal(0), Decimal(120)),
    LanguageTest.CET6: (Decimal(0), Decimal(710)),
    LanguageTest.CET4: (Decimal(0), Decimal(710)),
    LanguageTest.TOEIC: (Decimal(10), Decimal(990)),
    LanguageTest.JLPT: (Decimal(0), Decimal(180)),
    LanguageTest.TOPIK: (Decimal(0), Decimal(300)),
    LanguageTest.DELF: (Decimal(0), Decimal(100)),
    LanguageTest.TESTDAF: (Decimal(0), Decimal(20)),
    LanguageTest.OTHER: (Decimal(0), Decimal(99999)),
}


def score_range_error(test, score):
    """The message for a score outside what `test` can give, or None."""
    low, high = SCORE_RANGES.get(test, SCORE_RANGES[LanguageTest.OTHER])
    if score is not None and not low <= score <= high:
        return _("%(test)s 的成绩应在 %(low)s 到 %(high)s 之间。") % {
            "test": LanguageTest(test).label if test else _("外语考试"),
            "low": low,
            "high": high,
        }
    return None


def format_score(score):
    """7.0 → "7", 6.5 → "6.5", 100.0 → "100": scores as people write them."""
    text = f"{score:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


passport_number_validator = RegexValidator(
    r"^[A-Z0-9]{5,20}$", _("护照号码只能包含字母和数字（5 到 20 位）。")
)


def add_months(day, months):
    """`day` moved by whole months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# The form's sections, in order: the completeness indicator and the submit check use them.
SECTION_PERSONAL = "personal"
SECTION_LANGUAGE = "language"
SECTION_PASSPORT = "passport"
SECTION_ATTACHMENTS = "attachments"
SECTIONS = {
    SECTION_PERSONAL: _("个人及学业信息"),
    SECTION_LANGUAGE: _("外语水平/成绩"),
    SECTION_PASSPORT: _("护照信息"),
    SECTION_ATTACHMENTS: pgettext_lazy("section", "附件"),
}


class ApplicationQuerySet(models.QuerySet):
    def for_student(self, user):
        return self.filter(student=user)

    def in_region(self, region):
        return self.filter(program__region=region)

    def visible_to(self, user):
        """Whom may see what: the owner, staff of the program's track, superusers everything."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_staff:
            # An office sees what was sent to it: drafts stay the student's own.
            regions = staff_regions(user)
            office = Q(program__region__in=regions) & ~Q(status=Status.DRAFT)
            return self.filter(Q(student=user) | office)
        return self.for_student(user)


def staff_regions(user):
    """The tracks whose office `user` works in (by group membership)."""
    if not user.is_staff:
        return []
    # Cached on the user object (one per request), like Django's permission cache.
    if not hasattr(user, "_office_regions"):
        names = set(user.groups.values_list("name", flat=True))
        user._office_regions = [region for region, group in OFFICE_GROUPS.items() if group in names]
    return user._office_regions


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
    passport_number = models.CharField(
        _("护照号码"), max_length=20, blank=True, validators=[passport_number_validator]
    )
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
            # The offices' list: newest submissions first, a page at a time.
            models.Index(fields=["-submitted_at", "-id"], name="application_office_list_idx"),
        ]

    def __str__(self):
        return f"{self.student.username} · {self.program}"

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    @property
    def score_missing(self):
        return self.language_score is None

    @property
    def awaits_admission_result(self):
        """待定 means something only once the office has the application."""
        return self.status in (Status.SUBMITTED, Status.RETURNED, Status.APPROVED)

    @property
    def can_withdraw(self):
        """Until the office has decided, the student may take a submission back."""
        return self.status == Status.SUBMITTED

    @property
    def has_printable_form(self):
        """The 申请表 PDF exists once submitted, and not while out for revision or withdrawn."""
        return self.status in PRINTABLE_STATUSES

    @property
    def can_supplement_score(self):
        """补录分数: once, on a submitted or approved application whose score was left blank."""
        return self.status in (Status.SUBMITTED, Status.APPROVED) and self.language_score is None

    @property
    def can_write_summary(self):
        """填写交流总结 is for students the partner school admitted."""
        return self.admission_result == AdmissionResult.ADMITTED

    @property
    def number(self):
        """申请编号 printed on the form and typed into the verification page."""
        return f"{self.pk:06d}"

    @property
    def verification_code(self):
        """校验码: ties a printed form to this submission (it changes when resubmitted).

        Eight base32 characters of an HMAC over the id and the submission time, so that it
        cannot be guessed from the number, shown as ABCD-EFGH.
        """
        if self.submitted_at is None:
            return ""
        mac = salted_hmac(
            "applications.verification_code", f"{self.pk}:{self.submitted_at.isoformat()}"
        )
        code = base64.b32encode(mac.digest()).decode()[:8]
        return f"{code[:4]}-{code[4:]}"

    def matches_code(self, code):
        """Whether a typed code is this submission's; case, spaces and dashes do not matter."""
        typed = "".join(ch for ch in str(code).upper() if ch.isalnum())
        return bool(self.verification_code) and constant_time_compare(
            typed, self.verification_code.replace("-", "")
        )

    def return_comment(self):
        """While returned for revision: the office's comment on its last 退回修改."""
        if self.status != Status.RETURNED:
            return ""
        returns = [e for e in self.events.all() if e.to_value == Status.RETURNED and e.comment]
        return returns[-1].comment if returns else ""

    def rejection_comment(self):
        """While rejected: the office's comment on its 审核不通过, for the student."""
        if self.status != Status.REJECTED:
            return ""
        rejections = [e for e in self.events.all() if e.to_value == Status.REJECTED and e.comment]
        return rejections[-1].comment if rejections else ""

    @property
    def label(self):
        """How messages name the application: the applicant and the program."""
        return f"{self.name or f'#{self.pk}'} · {self.program.title}"

    def submission_problems(self, today=None):
        """What stops this application from being submitted, as {field or slot: message}.

        Attachment slots are keyed by their AttachmentKind value. An empty dict means ready.
        """
        from apps.attachments.models import AttachmentKind  # the attachments app imports us

        today = today or timezone.localdate()
        problems = {}
        for name in PERSONAL_FIELDS:
            if getattr(self, name) in ("", None):
                field = self._meta.get_field(name)
                problems[name] = _("请填写%(field)s。") % {"field": field.verbose_name}

        if self.language_test and self.language_score is None:
            problems["language_score"] = _("已选择考试类型，请填写成绩；尚无成绩时两项都留空。")
        elif self.language_score is not None and not self.language_test:
            problems["language_test"] = _("请选择外语考试类型。")
        elif error := score_range_error(self.language_test, self.language_score):
            problems["language_score"] = error

        if self.has_passport is None:
            problems["has_passport"] = _("请选择是否已办理护照。")
        elif self.has_passport:
            if not self.passport_number:
                problems["passport_number"] = _("已办理护照，请填写护照号码。")
            if self.passport_expiry is None:
                problems["passport_expiry"] = _("已办理护照，请填写护照有效期。")
            elif self.passport_expiry <= today:
                problems["passport_expiry"] = _("护照已过期，请先换发护照再提交。")

        slots = {a.kind for a in self.attachments.all()}
        for kind in self.required_slots():
            if kind not in slots:
                problems[kind] = _("请上传%(slot)s。") % {"slot": AttachmentKind(kind).label}
        return problems

    def required_slots(self):
        """The attachment slots 提交 needs: language proof only once a score is given."""
        from apps.attachments.models import AttachmentKind

        required = [AttachmentKind.TRANSCRIPT, AttachmentKind.ENROLLMENT]
        if self.language_score is not None:
            required.append(AttachmentKind.LANGUAGE)
        return required

    def completeness(self, problems=None):
        """The form's sections with what each still lacks, for the progress card."""
        from apps.attachments.models import AttachmentKind

        if problems is None:
            problems = self.submission_problems()
        section_of = dict.fromkeys(PERSONAL_FIELDS, SECTION_PERSONAL)
        section_of |= dict.fromkeys(["language_test", "language_score"], SECTION_LANGUAGE)
        section_of |= dict.fromkeys(
            ["has_passport", "passport_number", "passport_expiry"], SECTION_PASSPORT
        )
        section_of |= dict.fromkeys(AttachmentKind.values, SECTION_ATTACHMENTS)
        sections = {
            key: {"key": key, "label": label, "missing": []} for key, label in SECTIONS.items()
        }
        for key, message in problems.items():
            sections[section_of[key]]["missing"].append(message)
        return list(sections.values())

    def display_sections(self):
        """What the student filled in, as [(section, [(label, value), ...])], for the details
        page and the printed form. Blank values are shown as such, never hidden."""
        blank = _("未填写")

        def row(name, value=None):
            field = self._meta.get_field(name)
            if value is None:
                value = getattr(self, name)
                if field.choices and value:
                    value = getattr(self, f"get_{name}_display")()
            if isinstance(value, datetime.date):
                value = value.isoformat()
            return (field.verbose_name, blank if value in ("", None) else value)

        personal = [row(name) for name in PERSONAL_FIELDS]
        language = [
            row("language_test"),
            row("language_score", self._score_text()),
        ]
        passport_answer = {True: _("是"), False: _("否"), None: blank}[self.has_passport]
        passport = [row("has_passport", passport_answer)]
        if self.has_passport:
            passport += [row("passport_number"), row("passport_expiry")]
        return [
            (SECTIONS[SECTION_PERSONAL], personal),
            (SECTIONS[SECTION_LANGUAGE], language),
            (SECTIONS[SECTION_PASSPORT], passport),
        ]

    def _score_text(self):
        if self.language_score is not None:
            return format_score(self.language_score)
        # Blank on a submitted form means "to be supplemented"; on a draft, just not yet filled.
        return None if self.is_editable else _("待补录")

    def passport_warning(self):
        """A warning, not a refusal: many partner schools want six months beyond the stay."""
        if not (self.has_passport and self.passport_expiry):
            return None
        if self.passport_expiry < add_months(self.program.end_date, 6):
            return _(
                "护照有效期（%(expiry)s）距项目结束不足六个月，部分学校和签证要求更长的有效期，"
                "请尽快办理换发。"
            ) % {"expiry": self.passport_expiry.isoformat()}
        return None


class EventKind(models.TextChoices):
    STATUS = "status", _("审核状态")
    ADMISSION = "admission", _("录取结果")
    SCORE = "score", _("补录分数")
    SUMMARY = "summary", _("交流总结")


# What a status move means to the student reading the timeline, by (from, to).
STATUS_HEADLINES = {
    ("", Status.DRAFT): _("创建报名草稿"),
    (Status.DRAFT, Status.SUBMITTED): _("提交申请"),
    (Status.RETURNED, Status.SUBMITTED): _("修改后重新提交"),
    (Status.SUBMITTED, Status.WITHDRAWN): pgettext_lazy("event", "撤回申请"),
    (Status.WITHDRAWN, Status.DRAFT): _("重新报名"),
    (Status.SUBMITTED, Status.RETURNED): _("退回修改"),
    (Status.SUBMITTED, Status.APPROVED): _("审核通过"),
    (Status.SUBMITTED, Status.REJECTED): _("审核不通过"),
}


class ApplicationEvent(models.Model):
    """One recorded move of an application: who, when, from, to, and the comment."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("报名申请")
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=EventKind.choices, default=EventKind.STATUS
    )
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
        if self.kind == EventKind.SCORE and " " in value:  # "ielts 7" → "雅思 IELTS 7"
            test, score = value.split(" ", 1)
            if test in LanguageTest.values:
                return f"{LanguageTest(test).label} {score}"
        if self.kind == EventKind.SUMMARY:
            return _("已提交")
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

    @property
    def headline(self):
        """One line for the timeline: 提交申请, 退回修改, 录取结果：录取 …"""
        if self.kind == EventKind.STATUS:
            known = STATUS_HEADLINES.get((self.from_value, self.to_value))
            if known:
                return known
        return _("%(kind)s：%(value)s") % {"kind": self.get_kind_display(), "value": self.to_label}


class NoticeQuerySet(models.QuerySet):
    def unread_for(self, user):
        return self.filter(student=user, read_at=None).select_related("event__application__program")


class Notice(models.Model):
    """What the office decided, shown on the student's home page until dismissed.

    Made in the same transaction as the history row it announces (`event`), so that a
    rolled-back decision leaves no notice behind; the email goes only after commit.
    """

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("学生"),
    )
    event = models.OneToOneField(
        ApplicationEvent, on_delete=models.CASCADE, related_name="notice", verbose_name=_("记录")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "read_at"], name="notice_unread_idx")]

    def __str__(self):
        return f"{self.event.application} · {self.event.headline}"


class DraftReminder(models.Model):
    """The one reminder an unsubmitted application gets before its program closes.

    One row per application (and so per student per program): `remind_drafts` may run
    twice a day and still remind once.
    """

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="draft_reminder",
        verbose_name=_("报名申请"),
    )
    sent_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("截止提醒")
        verbose_name_plural = pgettext_lazy("plural", "截止提醒")

    def __str__(self):
        return str(self.application)
