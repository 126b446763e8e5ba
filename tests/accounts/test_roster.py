"""The registrar's roster: reading, the preview's verdicts, all-or-nothing writing, the
directory's precedence, the locks, the admin pages and the nightly command."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.accounts import roster
from apps.accounts.forms import ProfileForm
from apps.accounts.models import StudentProfile
from tests.factories import StudentProfileFactory, UserFactory

# The optional GPA column left out, as older rosters do.
WITHOUT_GPA = [name for name in roster.ROSTER_FIELDS if name != "gpa"]
HEADER = "学号,姓名,英文/拼音姓名,性别,学院,专业,学历层次,入学年份,手机号码,电子邮箱"
ZHANG = "2023301000001,张三,Zhang San,男,数学学院,应用数学,本科,2023,13800138000,zs@example.edu.cn"
LI = "2023301000002,李四,Li Si,女,物理学院,物理学,硕士,2022,13900139000,ls@example.edu.cn"

User = get_user_model()


def csv_bytes(*lines, encoding="utf-8", header=HEADER):
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview_of(data):
    return roster.build_preview(roster.parse_roster(data))


def reasons(preview):
    return " ".join(reason for item in preview.errors for reason in item.reasons)


# --- Reading the file in every encoding a registrar's office saves ---------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(csv_bytes(ZHANG), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + csv_bytes(ZHANG), id="utf-8-bom"),
        pytest.param(csv_bytes(ZHANG, encoding="gbk"), id="gbk"),
        # A converter that wrote a UTF-8 BOM in front of GBK text: read as GBK.
        pytest.param(b"\xef\xbb\xbf" + csv_bytes(ZHANG, encoding="gbk"), id="gbk-with-bom"),
        pytest.param(b"\x84\x31\x95\x33" + csv_bytes(ZHANG, encoding="gb18030"), id="gb18030-bom"),
        pytest.param(
            xlsx_bytes([HEADER.split(","), [2023301000001.0, *ZHANG.split(",")[1:]]]), id="xlsx"
        ),
    ],
)
def test_every_encoding_reads_the_same_row(data):
    (row,) = roster.parse_roster(data)

    assert row.student_id == "2023301000001"
    assert row.cells[0] == "张三"
    assert row.cells[4] == "应用数学"


def test_a_missing_column_refuses_the_file_naming_it():
    header = "学号,姓名,英文/拼音姓名,性别,学院,专业,入学年份,手机号码"

    with pytest.raises(roster.RosterFileError, match="缺少列：学历层次、电子邮箱"):
        roster.parse_roster(csv_bytes("2023301000001,张三", header=header))


def test_english_headers_and_aliases_are_understood():
    header = "Student ID,Name,拼音姓名,Gender,School,Major,学历,入学年级,手机,邮箱"
    data = csv_bytes(ZHANG, header=header)

    cells = roster.parse_roster(data)[0].cells
    assert cells[roster.ROSTER_FIELDS.index("email")] == "zs@example.edu.cn"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "文件是空的"),
        (csv_bytes(), "没有数据行"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel"),
        (b"PK\x03\x04 not really a zip", "无法读取该 Excel"),
    ],
)
def test_unreadable_files_are_refused_whole(data, message):
    with pytest.raises(roster.RosterFileError, match=message):
        roster.parse_roster(data)


def test_too_many_rows_are_refused(settings):
    settings.ROSTER_IMPORT_MAX_ROWS = 2

    with pytest.raises(roster.RosterFileError, match="行数过多"):
        roster.parse_roster(csv_bytes(ZHANG, LI, ZHANG.replace("001,", "003,", 1)))


# --- The corpus of bad rows ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line, reason",
    [
        (ZHANG.replace(",本科,", ",专科,"), "学历层次「专科」无法识别"),
        (ZHANG.replace(",男,", ",未知,"), "性别「未知」无法识别"),
        (ZHANG.replace("张三", '=HYPERLINK("http://evil")'), "看起来像电子表格公式"),
        (ZHANG.replace("数学学院", "@SUM(A1)"), "看起来像电子表格公式"),
        (ZHANG.replace("13800138000", "=1+1"), "看起来像电子表格公式"),
        (ZHANG.replace("13800138000", "+SUM(A1)"), "手机号码"),
        (ZHANG.replace(",2023,", ",1900,"), "入学年份"),
        (ZHANG.replace(",2023,", ",二〇二三,"), "入学年份"),
        (ZHANG.replace("zs@example.edu.cn", "not-an-email"), "电子邮箱"),
        (ZHANG.replace("张三", "张\x1b三"), "控制字符"),
        (ZHANG.replace("2023301000001", "", 1), "学号为空"),
        (ZHANG.replace("2023301000001", "2023-301", 1), "只能包含字母和数字"),
        (ZHANG.replace("数学学院", "学" * 101), "学院"),
    ],
)
def test_a_bad_cell_makes_an_error_row_with_its_reason(line, reason):
    preview = preview_of(csv_bytes(line))

    assert preview.counts()["error"] == 1
    assert reason in reasons(preview)


@pytest.mark.django_db
def test_full_width_digits_in_the_student_id_are_normalised():
    preview = preview_of(csv_bytes(ZHANG.replace("2023301000001", "２０２３３０１０００００１", 1)))

    (item,) = preview.new
    assert item.student_id == "2023301000001"


@pytest.mark.django_db
def test_a_phone_number_with_a_country_code_is_not_a_formula():
    preview = preview_of(csv_bytes(ZHANG.replace("13800138000", "+86 138-0013-8000")))

    assert preview.new[0].values["phone"] == "+86 138-0013-8000"


@pytest.mark.django_db
def test_choices_accept_the_labels_in_both_languages():
    line = ZHANG.replace(",男,", ",Female,").replace(",本科,", ",博士研究生,")

    values = preview_of(csv_bytes(line)).new[0].values

    assert (values["gender"], values["degree_level"]) == ("female", "doctorate")


@pytest.mark.django_db
def test_a_student_id_twice_in_the_file_is_an_error_naming_the_first_line():
    preview = preview_of(csv_bytes(ZHANG, LI, ZHANG.replace("张三", "张叁")))

    assert preview.counts() == {"new": 2, "changed": 0, "unchanged": 0, "error": 1}
    assert "与第 2 行重复" in reasons(preview)


@pytest.mark.django_db
def test_a_full_width_duplicate_is_a_duplicate_too():
    twin = ZHANG.replace("2023301000001", "２０２３３０１０００００１", 1)

    assert "重复" in reasons(preview_of(csv_bytes(ZHANG, twin)))


@pytest.mark.django_db
def test_a_staff_account_is_not_imported_as_a_student():
    UserFactory(username="2023301000001", is_staff=True)

    assert "工作人员账户" in reasons(preview_of(csv_bytes(ZHANG)))


# --- Preview counts -----------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_counts_new_changed_unchanged_and_error_rows():
    StudentProfileFactory(
        user=UserFactory(username="2023301000002"),
        name="李四",
        name_en="Li Si",
        gender="female",
        school="物理学院",
        major="物理学",
        degree_level="master",
        enrollment_year=2022,
        phone="13900139000",
        email="ls@example.edu.cn",
        roster_fields=WITHOUT_GPA,
    )
    StudentProfileFactory(user=UserFactory(username="2023301000003"), name="王五", school="旧学院")
    wang = "2023301000003,王五,Wang Wu,男,化学学院,化学,本科,2023,,"
    bad = "2023301000004,赵六,,男,化学学院,化学,专科,2023,,"

    preview = preview_of(csv_bytes(ZHANG, LI, wang, bad))

    assert preview.counts() == {"new": 1, "changed": 1, "unchanged": 1, "error": 1}
    (changed,) = preview.changed
    assert {(c.field, c.old, c.new) for c in changed.changes} >= {("school", "旧学院", "化学学院")}


@pytest.mark.django_db
def test_the_preview_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    lines = [f"20233010{n:05d},学生{n},,男,数学学院,数学,本科,2023,," for n in range(300)]
    StudentProfileFactory(user=UserFactory(username="2023301000007"))
    rows = roster.parse_roster(csv_bytes(*lines))

    with django_assert_max_num_queries(2):
        roster.build_preview(rows)


# --- Writing: all or nothing ---------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_the_account_and_a_complete_profile_before_the_first_sign_in():
    roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG)))

    user = User.objects.get(username="2023301000001")
    assert not user.has_usable_password()
    profile = user.profile
    assert (profile.name, profile.gender, profile.degree_level) == ("张三", "male", "undergraduate")
    assert (profile.enrollment_year, profile.email) == (2023, "zs@example.edu.cn")
    assert profile.roster_fields == sorted(WITHOUT_GPA)
    assert profile.gpa is None  # the file has no GPA column: optional


@pytest.mark.django_db
def test_a_gpa_column_fills_the_profile_and_a_bad_one_is_refused():
    header = f"{HEADER},GPA"
    roster.import_roster(rows=roster.parse_roster(csv_bytes(f"{ZHANG},3.62", header=header)))
    profile = User.objects.get(username="2023301000001").profile
    assert profile.gpa == Decimal("3.62") and "gpa" in profile.roster_fields

    preview = preview_of(csv_bytes(f"{LI},优秀", header=header))
    assert preview.counts()["error"] == 1


@pytest.mark.django_db
def test_a_failing_last_row_writes_nothing():
    StudentProfileFactory(user=UserFactory(username="2023301000002"), school="旧学院")
    lines = [ZHANG, LI] + [
        f"20233011{n:05d},学生{n},,男,数学学院,数学,本科,2023,," for n in range(50)
    ]
    lines.append(ZHANG.replace("2023301000001", "2023301999999", 1).replace(",本科,", ",专科,"))
    rows = roster.parse_roster(csv_bytes(*lines))
    users_before = User.objects.count()

    with pytest.raises(roster.RosterRefused) as refused:
        roster.import_roster(rows=rows)

    assert refused.value.preview.errors[0].row.line == len(lines) + 1
    assert User.objects.count() == users_before
    assert StudentProfile.objects.get(user__username="2023301000002").school == "旧学院"


@pytest.mark.django_db
def test_a_second_import_of_the_same_file_changes_nothing():
    rows = roster.parse_roster(csv_bytes(ZHANG, LI))
    roster.import_roster(rows=rows)

    assert roster.build_preview(rows).counts()["unchanged"] == 2


@pytest.mark.django_db
def test_directory_values_win_over_the_roster():
    profile = StudentProfileFactory(
        user=UserFactory(username="2023301000001"), school="数学科学学院", ldap_fields=["school"]
    )

    preview = roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG)))

    profile.refresh_from_db()
    assert profile.school == "数学科学学院"
    assert profile.name == "张三"
    assert "school" not in profile.roster_fields
    assert "以统一身份认证为准" in " ".join(preview.changed[0].notes)


@pytest.mark.django_db
def test_a_blank_cell_keeps_the_value_and_leaves_the_field_to_the_student():
    profile = StudentProfileFactory(
        user=UserFactory(username="2023301000001"), phone="13700137000", roster_fields=["phone"]
    )

    preview = roster.import_roster(
        rows=roster.parse_roster(csv_bytes(ZHANG.replace("13800138000", "")))
    )

    profile.refresh_from_db()
    assert profile.phone == "13700137000"
    assert "phone" not in profile.roster_fields
    assert "学生可以自行修改" in " ".join(preview.changed[0].notes)


@pytest.mark.django_db
def test_roster_fields_are_locked_in_the_profile_form():
    roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG.replace("13800138000", ""))))
    profile = StudentProfile.objects.get(user__username="2023301000001")

    form = ProfileForm(instance=profile)

    assert form.fields["name"].disabled and form.fields["school"].disabled
    assert not form.fields["phone"].disabled


@pytest.mark.django_db
def test_the_student_cannot_overwrite_a_roster_value(client):
    roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG)))
    user = User.objects.get(username="2023301000001")
    client.force_login(user)

    client.post("/accounts/profile/", {"name": "改名", "school": "别的学院"})

    user.profile.refresh_from_db()
    assert (user.profile.name, user.profile.school) == ("张三", "数学学院")


# --- The nightly command -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_and_prints_the_counts(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZHANG, LI, encoding="gbk"))

    call_command("import_roster", str(path))

    out = capsys.readouterr().out
    assert "新建 2，更改 0，无变化 0，有误 0。" in out
    assert "学籍名单已导入" in out
    assert User.objects.filter(username__in=["2023301000001", "2023301000002"]).count() == 2


@pytest.mark.django_db
def test_the_command_names_each_bad_row_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZHANG, LI.replace(",硕士,", ",专科,")))

    with pytest.raises(CommandError, match="1 行有误，未写入任何数据"):
        call_command("import_roster", str(path))

    captured = capsys.readouterr()
    assert "有误 1" in captured.out
    assert "第 3 行（学号 2023301000002）：学历层次「专科」无法识别" in captured.err
    assert not User.objects.filter(username="2023301000001").exists()


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZHANG))

    call_command("import_roster", str(path), "--dry-run")

    assert "试运行" in capsys.readouterr().out
    assert not User.objects.filter(username="2023301000001").exists()


def test_the_command_refuses_an_unreadable_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZHANG, header="学号,姓名"))

    with pytest.raises(CommandError, match="缺少列"):
        call_command("import_roster", str(path))


# --- Admin: upload, preview, confirm ----------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


IMPORT_URL = "/admin/accounts/studentprofile/roster/import/"
CONFIRM_URL = "/admin/accounts/studentprofile/roster/confirm/"


def upload(data, name="roster.csv"):
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def test_admin_preview_then_confirm_imports(admin_client):
    response = admin_client.post(IMPORT_URL, upload(csv_bytes(ZHANG, LI)))

    assert response.status_code == 200
    assert response.context["counts"] == {"new": 2, "changed": 0, "unchanged": 0, "error": 0}
    assert not User.objects.filter(username="2023301000001").exists()  # only a preview
    response = admin_client.post(CONFIRM_URL, {"token": response.context["token"]})

    assert response.status_code == 302
    assert StudentProfile.objects.get(user__username="2023301000002").major == "物理学"


def test_admin_preview_with_an_error_offers_no_confirm_and_confirm_refuses(admin_client):
    response = admin_client.post(
        IMPORT_URL, upload(csv_bytes(ZHANG, LI.replace(",硕士,", ",专科,")))
    )

    assert 'value="确认导入"' not in response.content.decode()
    assert "学历层次「专科」无法识别" in response.content.decode()
    response = admin_client.post(CONFIRM_URL, {"token": response.context["token"]})
    assert "未写入任何数据" in response.content.decode()
    assert not User.objects.filter(username="2023301000001").exists()


def test_admin_refuses_a_forged_token(admin_client):
    response = admin_client.post(CONFIRM_URL, {"token": "forged"}, follow=True)

    assert "预览已过期或无效" in response.content.decode()


def test_admin_shows_a_file_error_on_the_form(admin_client):
    response = admin_client.post(IMPORT_URL, upload(b"\xd0\xcf\x11\xe0" + b"\x00" * 50, "a.xls"))

    assert "旧版 Excel" in response.content.decode()
    assert response.context["form"].errors
    assert 'aria-describedby="id_file_error id_file_helptext"' in response.content.decode()
    assert 'id="id_file_error"' in response.content.decode()


def test_the_template_has_the_roster_header(admin_client):
    response = admin_client.get("/admin/accounts/studentprofile/roster/template.csv")

    assert response.content.decode("utf-8-sig").strip() == f"{HEADER},平均学分绩点 GPA"


def test_the_changelist_links_the_import_for_the_administrator(admin_client):
    response = admin_client.get("/admin/accounts/studentprofile/")

    assert IMPORT_URL in response.content.decode()


@pytest.mark.django_db
def test_a_clerk_with_profile_permissions_but_no_user_permission_is_refused(client):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_studentprofile", "change_studentprofile"])
    )
    client.force_login(clerk)

    assert client.get(IMPORT_URL).status_code == 403


# --- Then the student signs in through the real directory (tests/ldap_server.py) -------


@pytest.mark.ldap
@pytest.mark.django_db
def test_after_the_roster_the_directory_sign_in_wins_and_the_roster_stays_locked(
    client, ldap_settings
):
    from tests.ldap_server import STUDENTS

    li = "2022301000002"  # the directory releases only cn (李四) and mail
    line = f"{li},李肆,Li Si,女,物理学院,物理学,硕士,2022,13900139000,roster@example.edu.cn"
    roster.import_roster(rows=roster.parse_roster(csv_bytes(line)))

    response = client.post(
        "/accounts/login/", {"username": li, "password": STUDENTS[li]["password"]}
    )

    assert response.status_code == 302
    profile = StudentProfile.objects.get(user__username=li)
    assert User.objects.filter(username=li).count() == 1  # the roster's account, signed in
    assert (profile.name, profile.email) == ("李四", "lisi@example.edu")  # the directory's
    assert (profile.school, profile.degree_level) == ("物理学院", "master")  # the roster's
    form = client.get("/accounts/profile/").context["form"]
    assert form.fields["name"].disabled and form.fields["school"].disabled
    # The next nightly import leaves the directory's fields alone.
    preview = roster.build_preview(roster.parse_roster(csv_bytes(line)))
    assert preview.counts()["unchanged"] == 1
    assert "以统一身份认证为准" in " ".join(preview.unchanged[0].notes)


@pytest.mark.django_db
def test_the_profile_page_says_where_locked_fields_come_from(client):
    roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG)))
    client.force_login(User.objects.get(username="2023301000001"))

    assert "来自统一身份认证或学校学籍名单" in client.get("/accounts/profile/").text


@pytest.mark.django_db
def test_roster_fields_are_locked_on_the_application_form_too(client):
    from apps.applications.models import Application
    from tests.factories import ProgramFactory

    roster.import_roster(rows=roster.parse_roster(csv_bytes(ZHANG)))
    client.force_login(User.objects.get(username="2023301000001"))
    client.post(f"/programs/{ProgramFactory().pk}/apply/")
    application = Application.objects.get(student__username="2023301000001")

    client.post(f"/applications/{application.pk}/edit/", {"action": "save", "school": "别的学院"})

    application.refresh_from_db()
    assert application.school == "数学学院"


def test_an_xlsx_that_unpacks_to_far_more_than_a_roster_is_refused(settings):
    from tests.samples import xlsx_bomb_bytes

    settings.ROSTER_IMPORT_MAX_BYTES = 1024 * 1024  # the cap is five times the file cap

    with pytest.raises(roster.RosterFileError, match="解压后过大"):
        roster.parse_roster(xlsx_bomb_bytes())


@pytest.mark.django_db
def test_a_write_failing_midway_leaves_no_account_behind(monkeypatch):
    """The accounts are written before the profiles: a failure there undoes them too."""
    rows = roster.parse_roster(csv_bytes(ZHANG, LI))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StudentProfile.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        roster.import_roster(rows=rows)

    assert not User.objects.filter(username__in=["2023301000001", "2023301000002"]).exists()


@pytest.mark.django_db
def test_an_account_created_during_the_import_refuses_it_whole(monkeypatch):
    """A first sign-in between the check and the insert: the insert fails, nothing stays."""
    UserFactory(username="2023301000001")  # made "meanwhile": the check below misses it
    real_load = roster.preview._load
    monkeypatch.setattr(
        roster.preview, "_load", lambda ids, lock: real_load(ids - {"2023301000001"}, lock)
    )

    with pytest.raises(roster.RosterConflict, match="重新导入"):
        roster.import_roster(rows=roster.parse_roster(csv_bytes(LI, ZHANG)))

    assert not User.objects.filter(username="2023301000002").exists()
