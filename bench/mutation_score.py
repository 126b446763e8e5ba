"""Mutation score of the modules that hold the rules (mutmut), one module at a time.

    bench/mutation                              # every module, smallest first
    bench/mutation scores catalog_cache         # only modules whose path contains a word
    bench/mutation --database-url postgres://postgres@127.0.0.1:5432/wt_mine scores
    bench/mutation --survivors scores           # the table, then each survivor's diff
    bench/mutation --fresh scores               # forget earlier results of these modules
    bench/mutation --retest scores              # test only the earlier survivors again

Each module is mutated against the tests that cover it (MODULES below) in its own
working directory, var/mutation/<module>/, which links the checkout's files and holds
mutmut's setup.cfg and its mutants/ copy; results stay there, so a second run only tests
new mutants (after adding tests: --retest, or --fresh to test every mutant again; a
change of a module's tests below makes mutmut test all its mutants again). The
repository's own files are not changed. Each mutant's tests run in one pytest session
on the SQLite file var/mutation-test-default.sqlite3 kept between sessions
(bench/mutation_db.py), or on PostgreSQL with --database-url, in its own
var/mutation/<module>@postgresql/ (the row-lock races are skipped on SQLite, so there
the mutants that drop a lock survive and mutmut never learns which race tests reach
them).

Prints: module, mutants, killed, survived, timeout, no tests (no test reaches the
mutated function), not run (the run was stopped before them), score % (killed and timed
out over the mutants run). Slow (several seconds a mutant): never in CI.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "mutation"
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"

# The services called directly in every state they refuse, and with a broken disk.
GUARDS_AND_FAULTS = [
    "tests/applications/test_service_guards.py",
    "tests/attachments/test_storage_faults.py",
]

# (module, the tests that cover it). Only the tests that reach a mutated function run
# for its mutants (mutmut records which do in a first, clean run).
MODULES = [
    ("apps/programs/services.py", ["tests/programs/"]),
    ("apps/summaries/services.py", ["tests/summaries/", *GUARDS_AND_FAULTS]),
    (
        "apps/scores/services.py",
        ["tests/scores/", *GUARDS_AND_FAULTS, "tests/applications/test_tasks.py"],
    ),
    ("apps/accounts/authz_cache.py", ["tests/accounts/test_authz_cache.py"]),
    ("apps/programs/catalog_cache.py", ["tests/programs/"]),
    (
        "apps/offices/templatetags/admin_list_cache.py",
        [
            "tests/offices/test_admin_list.py",
            "tests/offices/test_admin_list_cache_tag.py",
        ],
    ),
    (
        "apps/offices/tracks.py",
        [
            "tests/offices/admin/test_track_layers.py",
            "tests/offices/admin/test_results_admin.py",
            "tests/offices/admin/test_exports.py",
            "tests/offices/admin/test_statistics.py",
            "tests/offices/test_admin_list.py",
            "tests/offices/test_program_admin.py",
            "tests/security/test_authorization_matrix.py",
        ],
    ),
    (
        "apps/attachments/validators.py",
        [
            "tests/attachments/test_upload_validation.py",
            "tests/attachments/test_word_documents.py",
            "tests/attachments/test_upload_refusals.py",
        ],
    ),
    *(
        (
            f"apps/applications/services/{part}.py",
            ["tests/applications/", "tests/offices/", "tests/attachments/test_storage_faults.py"],
        )
        for part in ("guards", "files", "student", "decisions")
    ),
]

# What the tests need beside the module (mutmut copies it all into mutants/).
LINKED = [
    "apps",
    "exchange_portal",
    "templates",
    "static",
    "locale",
    "tests",
    "bench",
    "manage.py",
    "pyproject.toml",
]

# Exit codes of mutmut's runs (mutmut.stats.status_by_exit_code), grouped for the table.
STATUS = {1: "killed", 3: "killed", 37: "killed", 0: "survived", 5: "no tests", 33: "no tests"}
STATUS.update({code: "timeout" for code in (36, -24, 24, 152, 255)})
STATUS[None] = "not checked"
KILLED = ("killed", "timeout")


def slug(module):
    return module.removesuffix(".py").replace("/", ".")


def workdir(directory, module, tests, *, fresh):
    """var/mutation/<module>/: links to the checkout and mutmut's setup.cfg."""
    if fresh and directory.exists():
        shutil.rmtree(directory)
    (directory / "var").mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    fonts = directory / "var" / "pdf-fonts"
    if not fonts.is_symlink() and (ROOT / "var" / "pdf-fonts").exists():
        fonts.symlink_to(ROOT / "var" / "pdf-fonts")
    # pyproject.toml has no [tool.mutmut]: mutmut reads this file instead.
    lines = "\n    ".join
    setup = directory / "setup.cfg"
    before = setup.read_text() if setup.exists() else None
    setup.write_text(
        "[mutmut]\n"
        f"source_paths =\n    {module}\n"
        f"pytest_add_cli_args_test_selection =\n    {lines(tests)}\n"
        f"also_copy =\n    {lines([*LINKED, 'var'])}\n"
        "pytest_add_cli_args =\n"
        f"    {lines(['-m', 'not e2e', '--reuse-db', '-p', 'bench.mutation_db'])}\n"
    )
    return directory, setup.read_text() != before


def results(directory, module):
    meta = directory / "mutants" / (module + ".meta")
    if not meta.exists():
        return {}
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: STATUS.get(code, "other") for name, code in exit_codes.items()}


def run(directory, module, tests, args, env):
    directory, changed = workdir(directory, module, tests, fresh=args.fresh)
    log = directory / "mutmut.log"
    print(f"{module}: mutmut run (log: {log.relative_to(ROOT)})", file=sys.stderr, flush=True)
    command = ["nice", "-n", "10", str(MUTMUT), "run", "--max-children", "1"]
    if args.retest and not changed:  # other tests: mutmut tests every mutant again
        # Only the mutants that were not killed (after adding tests): mutmut tests again
        # the mutants named, and keeps the others' results.
        names = [n for n, s in results(directory, module).items() if s not in KILLED]
        if not names:
            return directory
        command += names
    with log.open("w") as out:
        code = subprocess.call(command, cwd=directory, env=env, stdout=out, stderr=out)
    if code:
        print(f"{module}: mutmut exited {code}, see {log}", file=sys.stderr)
    return directory


def row(module, statuses):
    count = Counter(statuses.values())
    detected = count["killed"] + count["timeout"]
    tested = len(statuses) - count["not checked"]
    score = f"{100 * detected / tested:.1f}" if tested else "-"
    cells = [count[k] for k in ("killed", "survived", "timeout", "no tests", "not checked")]
    return [module, len(statuses), *cells, score]


def table(rows):
    header = ["module", "mutants", "killed", "survived", "timeout", "no tests", "not run"]
    header.append("score %")
    lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="modules whose path contains one of these")
    parser.add_argument("--database-url", help="PostgreSQL for the tests (DATABASE_URL)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--retest", action="store_true", help="test the survivors again")
    parser.add_argument("--survivors", action="store_true", help="print each survivor")
    parser.add_argument("--no-run", action="store_true", help="only print earlier results")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    chosen = [(m, t) for m, t in MODULES if not args.only or any(w in m for w in args.only)]
    chosen.sort(key=lambda pair: (ROOT / pair[0]).stat().st_size)
    rows = []
    for module, tests in chosen:
        # On PostgreSQL apart: mutmut's first run records which tests reach each function,
        # and the race tests, skipped on SQLite, reach nothing there.
        directory = WORK / (slug(module) + ("@postgresql" if args.database_url else ""))
        if not args.no_run:
            directory = run(directory, module, tests, args, env)
        statuses = results(directory, module)
        rows.append(row(module, statuses))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
        if args.survivors:
            for name, status in statuses.items():
                if status in ("survived", "no tests"):
                    show = [str(MUTMUT), "show", name]
                    subprocess.call(show, cwd=directory, env=env)
    print(table(rows))


if __name__ == "__main__":
    main()
