"""bench/run's budgets hold on a slower machine as on a faster one (issue 20): each is a
ratio of figures of the same run, never milliseconds that follow the machine's speed."""

import pytest

from bench.loadtest import run, scenarios
from bench.loadtest.wrk import Result

# req/s of each page on a quiet 2-core machine whose ceiling is 900 req/s.
QUIET = {
    "catalog": 560,
    "catalog_search": 560,
    "catalog_eligible": 560,
    "program": 520,
    "mylist": 340,
    "details": 340,
    "home": 340,
    "save_draft": 300,
    "submit": 280,
    "pdf_cached": 480,
    "admin_list": 200,
}
CEILING = 900
# vanilla Django's hello (bench/vanilla) on the same machine, where the portal is as cheap
# as issue 23 asks: its signed-in /healthz/ at 0.82 of it, its catalog at 0.51.
VANILLA = 1100


def result(name, rps, p95_ms=None):
    # At 32 connections a page's p95 is about 32 / throughput (and a little more).
    p95 = p95_ms if p95_ms is not None else 1.3 * 32_000 / rps
    return Result(
        name, requests=rps * 10, seconds=10, p50_ms=p95 / 2, p95_ms=p95, p99_ms=p95, errors=0
    )


def figures(
    slower=1.0,
    submit_p95_ms=None,
    render_ms=170,
    first_download_ms=6,
    pages=QUIET,
    ceiling=CEILING,
    vanilla=VANILLA,
):
    """The figures of a run on a machine `slower` times slower than the quiet one."""
    results = {name: result(name, rps / slower) for name, rps in pages.items()}
    if submit_p95_ms is not None:
        results["submit"] = result("submit", pages["submit"] / slower, submit_p95_ms)
    ceilings = {name: result("healthz", ceiling / slower) for name in [*pages, "healthz"]}
    results["healthz"] = ceilings["healthz"]
    hellos = {name: result("vanilla", vanilla / slower) for name in [*pages, "healthz"]}
    plan = scenarios.Plan(
        pdf_first_ms=[render_ms * slower] * 8,
        pdf_first_cpu_ms=[render_ms * slower] * 8,
        # 6 ms: the worker rendered it; None: not measured (--embedded, no worker).
        after_review_ms=[] if first_download_ms is None else [first_download_ms * slower] * 12,
    )
    return run.figures(results, ceilings, plan, {1: 150}, 4, cpu_ms=40 * slower, vanilla=hellos)


@pytest.mark.parametrize("slower", [1, 3, 0.5])
def test_every_budget_holds_on_a_slower_or_faster_machine(slower):
    values = figures(slower)

    assert run.missed(values) == []
    if slower == 3:  # the milliseconds did not hold: the old budgets missed here
        assert values["save_p95_ms"] > 150 and values["admin_list_p95_ms"] > 300


def test_a_submit_that_renders_in_the_request_misses_its_budget():
    values = figures(submit_p95_ms=5 * figures()["save_p95_ms"])

    assert [m.split("=")[0] for m in run.missed(values)] == ["submit_vs_save_p95"]


def test_a_slow_render_misses_its_budget_on_any_machine():
    for slower in (1, 3):
        values = figures(slower, render_ms=800)
        assert [m.split("=")[0] for m in run.missed(values)] == ["pdf_warm_vs_cpu"]


def test_a_first_download_after_a_review_that_renders_misses_its_budget():
    values = figures(first_download_ms=400)  # not rendered ahead: the download renders

    assert [m.split("=")[0] for m in run.missed(values)] == ["pdf_after_review_vs_cached_p95"]


def test_pages_cheap_beside_a_heavy_healthz_miss_their_budgets_against_vanilla_django():
    """Issue 23's figures: every page near its own signed-in /healthz/, which is itself
    0.17 of vanilla Django's hello. The own ratios hold; the ratios to vanilla do not."""
    today = {name: rps * 340 / CEILING for name, rps in QUIET.items()}
    values = figures(pages=today, ceiling=340, vanilla=1992)

    assert values["healthz_ratio"] == pytest.approx(340 / 1992)
    assert values["catalog_own_ratio"] == pytest.approx(560 / 900)
    assert values["catalog_ratio"] == pytest.approx(560 / 900 * 340 / 1992)
    assert sorted(m.split("=")[0] for m in run.missed(values)) == [
        "admin_list_ratio",
        "catalog_ratio",
        "detail_ratio",
        "healthz_ratio",
        "home_ratio",
        "mylist_ratio",
    ]


def test_the_bench_line_carries_both_ratios_of_every_page():
    line = run.bench_line(figures())

    pages = ("catalog", "detail", "mylist", "home", "pdf_cached", "save", "submit", "admin_list")
    for page in pages:
        assert f" {page}_ratio=" in line and f" {page}_own_ratio=" in line
    assert " healthz_ratio=0.82 " in line and " vanilla_rps=1100 " in line


def test_embedded_judges_no_review_figure_and_its_bench_line_says_skipped():
    values = figures(first_download_ms=None)

    assert run.missed(values) == []
    line = run.bench_line(values, "embedded")
    assert line.startswith("BENCH setup=embedded healthz_ratio=")
    assert " pdf_after_review_ms=skipped pdf_after_review_vs_cached_p95=skipped " in line
    assert run.bench_line(figures()).startswith("BENCH setup=postgresql+redis ")
