"""The application itself: one student's answers for one program, and who may see it."""

import base64

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.authz_cache import authorization
from apps.accounts.models import PersonalDetails
from apps.core.fields import EncryptedCharField
from apps.programs.models import OFFICE_GROUPS, Program

from .choices import (
    EDITABLE_STATUSES,
    PRINTABLE_STATUSES,
    AdmissionResult,
    Eligibility,
    LanguageTest,
    Status,
    passport_number_validator,
)
from .completeness import SubmissionChecks
from .events import ApplicationEvent, EventKind

# 撤销审核 is the office head's, 撤销录取结果 the administrator's: permissions of their own
# (Meta.permissions), not every clerk's. Each track's head group holds the first; a head
# is in the office's group too (which gives the track, see `staff_regions`).
REVERT_REVIEW_PERMISSION = "applications.revert_review"
REVERT_ADMISSION_PERMISSION = "applications.revert_admission"
OFFICE_HEAD_GROUPS = {region: f"{name}负责人" for region, name in OFFICE_GROUPS.items()}


class ApplicationQuerySet(models.QuerySet):
    def for_student(self, user):
        return self.filter(student=user)

    def with_program_title(self):
        """The program's title alone, for `__str__` (the audit log's name of a row) without
        reading the whole program: one column joined, not another query."""
        return self.annotate(program_title=F("program__title"))

    def in_region(self, region):
        return self.filter(program__region=region)

    def with_submission_mark(self):
        """`ever_submitted` on each row, for `can_delete_draft` without a query per row."""
        sent = ApplicationEvent.objects.filter(
            application=OuterRef("pk"), kind=EventKind.STATUS, to_value=Status.SUBMITTED
        )
        return self.annotate(ever_submitted=Exists(sent))

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

    def office_sees(self, user):
        """What `user` sees as office staff (never as a student): the applications of
        the tracks they work for, drafts left out; superusers everything."""
        if not (user.is_authenticated and user.is_staff):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(program__region__in=staff_regions(user)).exclude(status=Status.DRAFT)


def staff_regions(user):
    """The tracks whose office `user` works in (by group membership)."""
    if not user.is_staff:
        return []
    # Cached on the user object (one per request), like Django's permission cache.
    # Across requests too, until a membership changes (apps.accounts.authz_cache).
    if not hasattr(user, "_office_regions"):
        names = authorization(user)["groups"]
        user._office_regions = [region for region, group in OFFICE_GROUPS.items() if group in names]
    return user._office_regions


class Application(SubmissionChecks, PersonalDetails):
    """One student's application to one program; its personal details are a snapshot."""

    # Neither key has an index of its own: each leads a composite index below (the student
    # the unique pair and the student's list, the program the program-and-status index),
    # and every index is one more to write on each 保存 that moves the row.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("学生"),
        db_index=False,
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("项目"),
        db_index=False,
    )
    # Indexed in Meta.indexes: a field's db_index would add a second, LIKE-only index on
    # PostgreSQL (varchar_pattern_ops) that no query of a choice field uses.
    status = models.CharField(
        _("审核状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    admission_result = models.CharField(
        _("录取结果"),
        max_length=20,
        choices=AdmissionResult.choices,
        default=AdmissionResult.PENDING,
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
    # Encrypted at rest (apps.core.crypto); shown in full only to the owner, on the office's
    # page of the application and on the printed form, masked everywhere else.
    passport_number = EncryptedCharField(
        _("护照号码"), max_length=20, blank=True, validators=[passport_number_validator]
    )
    passport_expiry = models.DateField(_("护照有效期"), null=True, blank=True)

    # 申请条件 as judged at 提交, at a 补录分数 and whenever the program's requirements
    # change (services.eligibility): what the office's list filters, counts and exports.
    # Blank until the application is first submitted.
    eligibility = models.CharField(
        _("申请条件核对"), max_length=20, choices=Eligibility.choices, blank=True, default=""
    )
    # The requirement kinds (RequirementKind values) not met, in the program's order.
    requirements_unmet = models.JSONField(_("不满足的申请条件"), default=list, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("报名申请")
        verbose_name_plural = pgettext_lazy("plural", "报名申请")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("revert_review", _("可以撤销审核")),
            ("revert_admission", _("可以撤销录取结果")),
        ]
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
            models.Index(fields=["status"], name="application_status_idx"),
            models.Index(fields=["admission_result"], name="application_result_idx"),
            models.Index(fields=["eligibility"], name="application_eligibility_idx"),
        ]

    def __str__(self):
        if "program_title" in self.__dict__ and not Application.program.is_cached(self):
            return f"{self.student.username} · {self.program_title}"
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

    def draft_deletion_refusal(self):
        """Why 删除草稿 is refused, or None: only a draft that never reached the office may
        go; anything once submitted (a withdrawn one reopened as a draft too) keeps its
        history."""
        if self.status != Status.DRAFT:
            return _("该申请为「%(status)s」，不能删除；只有草稿可以删除。") % {
                "status": self.get_status_display()
            }
        ever_submitted = self.__dict__.get("ever_submitted")
        if ever_submitted is None:
            ever_submitted = self.events.filter(
                kind=EventKind.STATUS, to_value=Status.SUBMITTED
            ).exists()
        if ever_submitted:
            return _("这份申请曾经提交给办公室，其记录需要保留，不能删除。")
        return None

    @property
    def can_delete_draft(self):
        return self.draft_deletion_refusal() is None

    @property
    def has_printable_form(self):
        """The 申请表 PDF exists once submitted, and not while out for revision or withdrawn."""
        return self.status in PRINTABLE_STATUSES

    @property
    def can_supplement_score(self):
        """补录分数: once, on a submitted or approved application whose score was left blank."""
        return self.status in (Status.SUBMITTED, Status.APPROVED) and self.language_score is None

    @property
    def summary_opens_on(self):
        """The day 填写交流总结 opens for an admitted application: the program's first day,
        the earliest valid 回国时间/返境时间 (None when the student was not admitted)."""
        if self.admission_result != AdmissionResult.ADMITTED:
            return None
        return self.program.start_date

    def summary_is_open(self, today=None):
        """填写交流总结 is for students the partner school admitted, once the exchange has
        begun: before the program starts no return date could be valid."""
        opens_on = self.summary_opens_on
        return opens_on is not None and opens_on <= (today or timezone.localdate())

    @property
    def can_write_summary(self):
        return self.summary_is_open()

    @property
    def summary_not_yet_open(self):
        """Admitted, but the program has not started: the details page says from when."""
        return self.summary_opens_on is not None and not self.summary_is_open()

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

    def get_additional_data(self):
        """What django-auditlog keeps with this save's entry: set by a service for one save
        (the items of a 退回修改), then forgotten."""
        return self.__dict__.pop("_audit_data", None)

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
