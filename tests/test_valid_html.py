"""The Nu HTML checker (npm `vnu-jar`, on Debian's Java) over every student page in both
languages: 0 errors. One JVM for all the pages, which are written to files first."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from apps.applications.models import Application
from tests.student_pages import LANGUAGES, student_pages, student_with_everything

VNU = Path(__file__).resolve().parents[1] / "node_modules/vnu-jar/build/dist/vnu.jar"


def run_nu_checker(folder):
    """The checker's error messages for every .html file in `folder`."""
    if not VNU.exists() or not shutil.which("java"):
        pytest.fail("The Nu checker needs node_modules/vnu-jar and Java: run `make setup`.")
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr or result.stdout
    return json.loads(result.stdout)["messages"]


def test_every_student_page_is_valid_html(db, client, tmp_path, request):
    student, applications = student_with_everything(request)
    pages = tmp_path / "pages"  # tmp_path also holds the test's media files
    pages.mkdir()
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for page in student_pages(applications):
            if page.signed_in:
                client.force_login(student)
            else:
                client.logout()
            response = client.post(page.path, page.post) if page.post else client.get(page.path)
            assert response.status_code == 200, (language, page.name, response.status_code)
            (pages / f"{language}-{page.name}.html").write_bytes(response.content)

    errors = run_nu_checker(pages)
    assert not errors, "\n".join(
        f"{Path(e['url']).name}:{e.get('lastLine')}: {e['message']} [{e.get('extract', '')}]"
        for e in errors
    )


def test_the_nu_checker_finds_an_error(tmp_path):
    """The check above cannot pass by checking nothing."""
    (tmp_path / "bad.html").write_text(
        '<!doctype html><html lang="en"><title>x</title>'
        '<input type="radio" name="a" autocomplete="off"></html>'
    )
    assert "autocomplete" in run_nu_checker(tmp_path)[0]["message"]


def test_the_return_pages_of_the_office_are_valid_html(client, tmp_path, make_submitted, clerk):
    """退回修改 with its items (blank and refused) and 退回后的修改 after a resubmission."""
    from tests.builders import returned_and_fixed
    from tests.factories import StudentProfileFactory

    application = make_submitted()
    returned_and_fixed(
        make_submitted(owner=StudentProfileFactory().user),
        clerk,
        {"phone": "请填写本人手机号。", "transcript": "请上传最新成绩单。"},
        changes={"phone": "13900000000"},
    )
    returned = Application.objects.exclude(pk=application.pk).get()
    client.force_login(clerk)
    review = f"/admin/applications/application/{application.pk}/review/return/"
    pages = tmp_path / "pages"
    pages.mkdir()
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        answers = {
            "return": client.get(review),
            "return-refused": client.post(
                review, {"comment": "x", "items": ["phone"], "note_transcript": "y"}
            ),
            "diff": client.get(f"/admin/applications/application/{returned.pk}/change/"),
        }
        for name, response in answers.items():
            assert response.status_code == 200, (language, name)
            assert b"return-items" in response.content or b"return-changes" in response.content
            (pages / f"{language}-{name}.html").write_bytes(response.content)
    errors = run_nu_checker(pages)
    assert not errors, "\n".join(f"{Path(e['url']).name}: {e['message']}" for e in errors)
