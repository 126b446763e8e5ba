"""Every page a student meets, with data that fills it: walked by the phone-fit and axe
browser test (tests/e2e/test_student_pages.py) and by the Nu HTML check
(tests/test_valid_html.py). A page added for students belongs in `student_pages`."""

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.programs.models import ProgramRequirement, Region
from tests.factories import ProgramFactory, StudentProfileFactory

LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class StudentPage:
    name: str
    path: str
    # A POST that leads to the page's state (the refused 提交), sent with the CSRF token.
    post: dict | None = None
    # The button that opens a dialog on the page (text in each language).
    opens_dialog: dict | None = None
    signed_in: bool = True
    # In the browser: the page to open first, and the button (text in each language) that
    # leads from it to this page's state (its POST, for the checks without a browser).
    start: str | None = None
    button: dict | None = None


def student_with_everything(request):
    """A student with a draft, a submission awaiting its score and an admission whose
    exchange is over, among long titles in both tracks, in a catalog of several pages:
    every student page has content. `request` is the test's, for its fixtures."""
    make_draft, make_submitted, make_admitted, settings = (
        request.getfixturevalue(name)
        for name in ("make_draft", "make_submitted", "make_admitted", "settings")
    )
    settings.PROGRAMS_PER_PAGE = 2
    student = StudentProfileFactory(name="欧阳晓明").user
    today = timezone.localdate()
    ProgramFactory(
        title="新加坡国立大学学期交流项目（计算机与工程学院）",
        partner="新加坡国立大学",
        country="新加坡",
        term="2027年春季学期",
    )
    ProgramFactory(title="京都大学短期访学项目", partner="京都大学", closed=True)
    ProgramFactory(
        region=Region.HMT,
        title="香港中文大学暑期研修项目",
        partner="香港中文大学",
        country="中国香港",
        term="2027年暑期",
    )
    draft_program = ProgramFactory(
        title="多伦多大学暑期研修项目", partner="多伦多大学", country="加拿大"
    )
    # 申请条件 of each kind, so that the program page shows 满足 / 不满足 / 暂无法判断.
    for kind, fields in [
        ("language", {"language_test": "ielts", "minimum": 6.5, "required": True}),
        ("language", {"language_test": "toefl", "minimum": 90, "required": True}),
        ("degree", {"degree_level": "undergraduate"}),
        ("year", {"minimum": 2}),
        ("college", {"names": "数学学院、物理学院", "required": True}),
        ("major", {"names": "临床医学", "excluded": True}),
        ("gpa", {"minimum": "3.0"}),
    ]:
        ProgramRequirement.objects.create(program=draft_program, kind=kind, **fields)
    draft = make_draft(program=draft_program, owner=student, complete=False, name="欧阳晓明")
    submitted = make_submitted(
        owner=student,
        program=ProgramFactory(
            region=Region.HMT, title="台湾大学学期交换项目", partner="台湾大学", country="中国台湾"
        ),
    )
    admitted = make_admitted(
        owner=student,
        program=ProgramFactory(
            title="慕尼黑工业大学工科交换项目",
            partner="慕尼黑工业大学",
            country="德国",
            start_date=today - timedelta(days=150),
            end_date=today - timedelta(days=20),
        ),
    )
    # 退回修改 with three items to fix (a field, the passport answer, a file slot).
    from apps.applications import services
    from tests.builders import office_admin

    returned = services.return_application(
        application=make_submitted(
            owner=student,
            program=ProgramFactory(title="东京大学本科生交换项目", partner="东京大学"),
        ),
        actor=office_admin(),
        comment="请按以下说明修改后重新提交。",
        items={
            "phone": "请填写本人常用的手机号码。",
            "has_passport": "请确认是否已办理护照。",
            "transcript": "请上传本学期最新的中英文成绩单。",
        },
    )
    return student, {
        "draft": draft,
        "submitted": submitted,
        "admitted": admitted,
        "returned": returned,
    }


def student_pages(applications):
    draft, submitted, admitted, returned = (
        applications[k] for k in ("draft", "submitted", "admitted", "returned")
    )
    program = draft.program
    return [
        StudentPage("login", reverse("accounts:login"), signed_in=False),
        StudentPage("home", reverse("programs:home")),
        StudentPage("catalog-international", reverse("programs:list", args=["international"])),
        StudentPage("catalog-hmt-search", reverse("programs:list", args=["hmt"]) + "?state=open"),
        StudentPage(
            "catalog-eligible", reverse("programs:list", args=["international"]) + "?eligible=1"
        ),
        StudentPage("program", program.get_absolute_url()),
        StudentPage("program-hmt", submitted.program.get_absolute_url()),
        StudentPage("edit-form", reverse("applications:edit", args=[draft.pk])),
        StudentPage(
            "edit-form-refused",
            reverse("applications:edit", args=[draft.pk]),
            post={"action": "submit", "name": "欧阳晓明", "phone": "12", "has_passport": "True"},
        ),
        StudentPage("edit-form-returned", reverse("applications:edit", args=[returned.pk])),
        StudentPage(
            "edit-form-returned-refused",
            reverse("applications:edit", args=[returned.pk]),
            post={"action": "submit", "reply_transcript": "长" * 201},
        ),
        StudentPage("details", reverse("applications:detail", args=[submitted.pk])),
        StudentPage("withdraw", reverse("applications:withdraw", args=[submitted.pk])),
        StudentPage("delete-draft", reverse("applications:delete", args=[draft.pk])),
        StudentPage("details-admitted", reverse("applications:detail", args=[admitted.pk])),
        StudentPage("my-list", reverse("applications:list")),
        StudentPage(
            "score-dialog",
            reverse("applications:list"),
            opens_dialog={"zh-hans": "补录分数", "en": "Add score"},
        ),
        StudentPage("score-page", reverse("scores:supplement", args=[submitted.pk])),
        StudentPage("summary-form", reverse("summaries:edit", args=[admitted.pk])),
        StudentPage("profile", reverse("accounts:profile")),
        # 日历订阅: the address shown once after 生成订阅链接, then the active state.
        StudentPage(
            "profile-calendar-link",
            reverse("accounts:calendar_issue"),
            post={"calendar": "issue"},
            start=reverse("accounts:profile"),
            button={
                "zh-hans": ("生成订阅链接", "重新生成"),
                "en": ("Create subscription link", "Regenerate"),
            },
        ),
        StudentPage("profile-calendar-active", reverse("accounts:profile")),
    ]
