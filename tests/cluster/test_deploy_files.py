"""The deployment recipe in deploy/ agrees with the portal: nginx accepts the largest
upload the forms allow, the site configuration parses, and the environment file names
only variables the portal reads. Fast; no cluster is started."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from apps.applications.services import FORM_SLOTS
from tests.cluster import nginx

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SIZES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def env_file_names():
    lines = (DEPLOY / "portal.env.example").read_text().splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"#?([A-Z][A-Z0-9_]+)=", line))]


def test_nginx_accepts_the_largest_application_form_the_portal_accepts():
    conf = (DEPLOY / "nginx" / "portal-proxy.conf").read_text()
    number, unit = re.search(r"^client_max_body_size (\d+)([kmg]?);", conf, re.M).groups()
    cap = int(number) * SIZES[unit]
    # Defaults: 3 slots x 5 files x 10 MB. A form field or two more must still fit.
    largest = len(FORM_SLOTS) * settings.ATTACHMENT_MAX_FILES_PER_SLOT
    assert cap >= largest * settings.ATTACHMENT_MAX_BYTES + 64 * 1024
    # ... and not much more: nginx is where a huge body is refused.
    assert cap <= largest * settings.ATTACHMENT_MAX_BYTES * 1.1


@pytest.mark.skipif(not nginx.available(), reason="needs nginx (scripts/setup.sh)")
@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl for a test certificate")
def test_the_nginx_site_configuration_parses(tmp_path):
    certificate, key = tmp_path / "portal.pem", tmp_path / "portal.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=portal.example.edu", "-keyout", key, "-out", certificate],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "exchange-portal.conf").read_text()
    site = site.replace("/srv/exchange-portal/deploy", str(DEPLOY))
    site = site.replace("/etc/ssl/certs/portal.example.edu.pem", str(certificate))
    site = site.replace("/etc/ssl/private/portal.example.edu.key", str(key))
    site = site.replace("/var/log/nginx", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx.NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_environment_file_names_only_variables_the_portal_reads():
    read = (Path(settings.BASE_DIR) / "exchange_portal" / "settings.py").read_text()
    read += (DEPLOY / "gunicorn.conf.py").read_text()
    read += (DEPLOY / "systemd" / "exchange-portal-web@.service").read_text()
    # A whole name, not a part of a longer one (LDAP_TIMEOUT is not AUTH_LDAP_TIMEOUT).
    read_names = set(re.findall(r"[A-Z][A-Z0-9_]*", read))
    unknown = [name for name in env_file_names() if name not in read_names]
    assert unknown == []


def test_a_name_is_read_only_as_a_whole_name(monkeypatch):
    names = env_file_names()
    assert "AUTH_LDAP_TIMEOUT" in names
    monkeypatch.setattr(
        "tests.cluster.test_deploy_files.env_file_names", lambda: [*names, "LDAP_TIMEOUT"]
    )
    with pytest.raises(AssertionError):
        test_the_environment_file_names_only_variables_the_portal_reads()


def test_the_environment_file_covers_the_scale_out_settings():
    names = set(env_file_names())
    assert {
        "DATABASE_URL", "DATABASE_REPLICA_URL", "DB_CONN_MAX_AGE", "REDIS_URL",
        "CELERY_BROKER_URL", "STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_REGION_NAME", "BEHIND_TLS_PROXY",
        "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS",
    } <= names  # fmt: skip


def test_every_process_reads_the_same_environment_file():
    for unit in (DEPLOY / "systemd").glob("*.service"):
        assert "EnvironmentFile=/etc/exchange-portal/portal.env" in unit.read_text(), unit.name
