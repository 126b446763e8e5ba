"""GET /healthz/: for the load balancer and the benchmark's ceiling."""

import pytest
from django.core.management import call_command
from django.urls import reverse

URL = reverse("core:healthz")


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_signed_in_users_too_and_only_to_reads(student_client):
    assert URL == "/healthz/"
    assert student_client.get(URL).content == b"ok"
    assert student_client.head(URL).status_code == 200
    assert student_client.post(URL).status_code == 405


def test_production_static_files_collect_with_the_manifest(settings, tmp_path):
    """Production hashes every static file (whitenoise); a CSS or JS file that refers to
    a missing file (e.g. a source map) makes collectstatic fail on deploy."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "static" / "staticfiles.json").exists()
