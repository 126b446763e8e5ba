"""The floors between the apps (ARCHITECTURE.md) hold, and import-linter says so when one is
broken: the contracts in pyproject.toml, run on a copy of the code with an import that
reaches up a floor."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter (requirements-dev.txt)")


def lint(folder):
    return subprocess.run(
        [str(LINT), "--no-logo", "--no-cache"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def copy(tmp_path):
    for name in ("apps", "exchange_portal"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_its_floors(copy):
    done = lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "module, line, broken",
    [
        (
            "apps/programs/models.py",
            "from apps.applications.models import Application",
            "Floors",
        ),
        ("apps/programs/models.py", "from apps.accounts import models", "programs and accounts"),
        ("apps/core/models.py", "import apps.attachments.models", "core knows no domain"),
        ("apps/scores/models.py", "from apps.summaries import models", "scores and summaries"),
    ],
)
def test_an_import_that_breaks_a_floor_fails_the_lint(copy, module, line, broken):
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # noqa: E402, F401\n")
    done = lint(copy)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and broken in done.stdout
