"""A newcomer's first `make run`: scripts/setup.sh waits for another apt's lock instead of
failing, says what each long step does and that it runs once, and `make run PORT=…`
keeps PORTAL_BASE_URL in step with the port."""

import os
import shutil
import stat
import subprocess
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from apps.applications import pdf_fonts

ROOT = Path(__file__).resolve().parents[1]


def stub(path, body):
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_setup_waits_for_the_apt_lock_and_says_what_runs_once(tmp_path):
    """setup.sh in a copy of the project whose commands are stubs that log their calls."""
    project, bin_dir, log = tmp_path / "project", tmp_path / "bin", tmp_path / "calls.log"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", project / "scripts" / "setup.sh")
    for name in ("requirements.txt", "requirements-dev.txt", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, project / name)
    (project / ".venv" / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    for name in ("python", "pip"):
        stub(project / ".venv" / "bin" / name, f'echo "{name} $*" >> {log}')
    stub(bin_dir / "apt-get", f'echo "apt-get $*" >> {log}')
    # Reads what it is given, as the real one does: setup.sh pipes into it under pipefail,
    # and a stub that did not read made the echo die of SIGPIPE now and then (exit 141).
    stub(
        bin_dir / "debconf-set-selections",
        f'cat > /dev/null; echo "debconf-set-selections $*" >> {log}',
    )
    stub(bin_dir / "npm", f'echo "npm $*" >> {log}; mkdir -p node_modules')
    stub(bin_dir / "dpkg-query", "exit 1")  # every package missing
    stub(bin_dir / "python3.11", "exit 0")
    stub(bin_dir / "id", "echo 0")

    result = subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=project,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    apt = [call for call in calls if call.startswith("apt-get")]
    assert [call.split()[3] for call in apt] == ["update", "install"]
    assert all("-o DPkg::Lock::Timeout=600" in call for call in apt), apt
    assert "default-jre-headless" in apt[1]
    assert "npm ci --ignore-scripts --no-audit --no-fund --loglevel=error" in calls
    said = result.stdout
    assert "Installing the pinned Python packages into .venv (once" in said
    assert "Installing the test suite's npm packages into node_modules (axe-core, vnu-jar;" in said
    assert "once, and again only when package-lock.json changes" in said


def test_font_build_says_it_runs_once_and_is_silent_when_done(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_fonts, "built", lambda: False)
    monkeypatch.setattr(pdf_fonts, "build", lambda: [])
    out = StringIO()
    call_command("build_pdf_fonts", verbosity=0, stdout=out)
    assert "Building the printed form's Chinese font subset" in out.getvalue()
    assert "(once; about 30 s)" in out.getvalue()

    monkeypatch.setattr(pdf_fonts, "built", lambda: True)
    out = StringIO()
    call_command("build_pdf_fonts", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def make_run(tmp_path, *args, **env):
    """`make run` with setup skipped and a Python that prints what it was asked."""
    python = tmp_path / "python"
    stub(python, 'echo "$PORTAL_BASE_URL $*"')
    environment = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
    result = subprocess.run(
        ["make", "-s", "-o", "setup", "run", f"PY={python}", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_on_another_port_keeps_the_base_url_in_step(tmp_path):
    said = make_run(tmp_path, "PORT=8123")
    assert "http://127.0.0.1:8123 manage.py runserver 127.0.0.1:8123" in said
    assert "==> Serving http://127.0.0.1:8123/" in said


def test_make_run_keeps_a_base_url_set_in_the_environment(tmp_path):
    said = make_run(tmp_path, "PORT=8123", PORTAL_BASE_URL="https://exchange.example.edu")
    assert "https://exchange.example.edu manage.py runserver 127.0.0.1:8123" in said
