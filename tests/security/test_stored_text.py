"""Text that reaches the database is plain, and exports never run what a student typed."""

import io

import openpyxl
import pytest
from django.urls import reverse

from apps.applications.models import Application

pytestmark = pytest.mark.django_db

CONTROL = "不能包含控制字符（如空字符、退格，或单行内容里的换行），请删除后重新输入。"
NUL = "不能包含空字符（NUL），请删除后重新输入。"


@pytest.mark.parametrize(
    "value, message",
    [("Zhang\x01", CONTROL), ("Zhang\x1b[31m", CONTROL), ("Zh\nang", CONTROL), ("a\x00b", NUL)],
    ids=["start-of-heading", "terminal-escape", "line-break", "nul"],
)
def test_the_form_refuses_control_characters_in_a_name_and_keeps_the_saved_one(
    student_client, draft, value, message
):
    response = student_client.post(
        reverse("applications:edit", args=[draft.pk]), {"action": "save", "name_en": value}
    )

    assert response.context["form"].errors["name_en"] == [message]
    draft.refresh_from_db()
    assert draft.name_en == "Zhang Xiaoming"


def test_the_review_comment_takes_line_breaks_but_no_other_control_characters(
    client, clerk, submitted
):
    client.force_login(clerk)
    url = f"/admin/applications/application/{submitted.pk}/review/return/"

    refused = client.post(url, {"comment": "请补充\x07成绩单"})
    assert refused.context["form"].errors["comment"] == [CONTROL]

    client.post(url, {"comment": "请补充：\r\n1. 成绩单\t2. 在读证明"})
    assert submitted.events.latest("pk").comment == "请补充：\r\n1. 成绩单\t2. 在读证明"


@pytest.fixture
def hostile_row(submitted):
    """What a student could save before the form refused it (or a superuser typed)."""
    Application.objects.filter(pk=submitted.pk).update(
        name='=HYPERLINK("http://evil.example","点击")\x01',
        name_en="+cmd|' /C calc'!A0",
        school="@SUM(1+1)",
        major="-2+3",
    )
    return submitted


def test_the_csv_export_quotes_formulas_and_drops_control_characters(client, clerk, hostile_row):
    client.force_login(clerk)
    response = client.get("/admin/applications/application/export/csv/")

    line = b"".join(response.streaming_content).decode().splitlines()[1]
    assert line.split(",", 1)[1].startswith('"\'=HYPERLINK(""http://evil.example"",""点击"")"')
    assert ",'+cmd|' /C calc'!A0,男," in line
    assert ",'@SUM(1+1),'-2+3," in line  # 学院, 专业 (after the phone and email)
    assert "\x01" not in line


def test_the_xlsx_export_writes_formulas_as_text_and_opens(client, clerk, hostile_row):
    client.force_login(clerk)
    response = client.get("/admin/applications/application/export/xlsx/")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    row = [cell for cell in list(sheet.rows)[1]]
    assert [cell.value for cell in row[1:3]] == [
        '\'=HYPERLINK("http://evil.example","点击")',
        "'+cmd|' /C calc'!A0",
    ]
    assert all(cell.data_type != "f" for cell in row)
