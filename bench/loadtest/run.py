"""bench/run: the portal's load benchmark and its budgets (see README "Performance")."""

import argparse
import functools
import os
import statistics
import sys
import urllib.request

from django.utils import timezone

from . import calibration, nodes, scenarios, server, submits, wrk

# The budgets, with 32 concurrent connections (issues 6 and 20). Each one holds on a
# faster or slower machine alike: a page's throughput over the ceiling measured beside it
# (at 32 connections a p95 is about 32 / throughput, so milliseconds follow the machine),
# a p95 over another page's p95 of the same run, the render's CPU time over the CPU
# yardstick of the same run (bench/loadtest/calibration.py).
# Two ceilings (issue 23): `…_ratio` is over a vanilla Django project's hello view
# (bench/vanilla, the most a Django page can do here), `…_own_ratio` over the portal's own
# signed-in /healthz/ (what the portal's middleware leaves of it).
BUDGETS = {
    # Issue 23's budgets, over vanilla Django's hello in the same run, on both set-ups.
    "healthz_ratio": (">=", 0.5),
    "catalog_ratio": (">=", 0.4),
    "detail_ratio": (">=", 0.4),  # the program page
    "mylist_ratio": (">=", 0.3),  # 近期申请列表 and 详情, the worse
    "home_ratio": (">=", 0.3),
    # The other pages: not worse than before issue 23's cuts (bench/RESULTS.md, its quiet
    # run before them, 220494d: 0.094, 0.065, 0.030, 0.050), less 15 %, the spread of one
    # page's vanilla ratio between quiet runs. Their own ratios (over /healthz/) are
    # printed, no longer judged: /healthz/ became three times cheaper, so every own ratio
    # fell while no page's cost rose.
    "pdf_cached_ratio": (">=", 0.08),
    "save_ratio": (">=", 0.055),
    "submit_ratio": (">=", 0.025),
    "admin_list_ratio": (">=", 0.042),
    # No PDF work inside 提交 (the embedded default, no broker): a 保存 and a status move.
    "submit_vs_save_p95": ("<=", 2.0),
    # The worker rendered it after the review: the first download is a cached one.
    "pdf_after_review_vs_cached_p95": ("<=", 2.0),
    # A 2-page form: 290-420 ms of CPU where the yardstick took 50-60 ms (a loaded machine,
    # 8.5 in run 45); 12 is the old 500 ms budget on a machine that renders in ~170 ms.
    "pdf_warm_vs_cpu": ("<=", 12),
    "errors": ("<=", 0),
    "worker_rss_mb": ("<=", 200),
}
ORDER = [
    "healthz",
    "home",
    "catalog",
    "catalog_search",
    "catalog_eligible",
    "program",
    "mylist",
    "details",
    "save_draft",
    "submit",
    "pdf_cached",
    "admin_list",
]


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--users", type=int, default=32, help="virtual students signed in")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: 2 per core)")
    p.add_argument("--students", type=int, default=60_000, help="seed size")
    p.add_argument("--programs", type=int, default=3_000, help="seed size")
    p.add_argument("--applications", type=int, default=150_000, help="seed size")
    p.add_argument("--port", type=int, help="gunicorn port (default 8765)")
    p.add_argument(
        "--nodes",
        type=int,
        help="N gunicorn nodes (each with --workers) behind nginx on --port",
    )
    p.add_argument(
        "--embedded",
        action="store_true",
        help="as a newcomer runs it: SQLite under var/bench/embedded, local-memory cache, "
        "no Redis, no broker (default: PostgreSQL + Redis, BENCH_DATABASE_URL, BENCH_CACHE_URL)",
    )
    return p


def config_from(args):
    make = server.BenchConfig.embedded_setup if args.embedded else server.BenchConfig
    config = make(students=args.students, programs=args.programs, applications=args.applications)
    if args.workers:
        config.workers = args.workers
    if args.port:
        config.port = args.port
    return config


def prepare(config, args):
    """Database, seed, static files, a cold cache; then Django in this process."""
    server.ensure_database(config)
    server.flush_cache(config)
    scenarios.setup_django(config)


def ratios(results, ceilings):
    """Each page's req/s over the ceiling's, measured in the slices beside it: the median
    of the rounds' ratios (each slice of the page over the ceiling's slice next to it),
    so that one slice that the shared machine slowed down, for the page or for the
    ceiling, does not decide the figure (a quiet machine's runs drifted by ±10 % between
    runs with the ratio of the sums)."""
    return {name: _ratio(r, ceilings[name]) for name, r in results.items()}


def _ratio(page, ceiling):
    if page.slices and len(page.slices) == len(ceiling.slices):
        return statistics.median(
            p.rps / (c.rps or 1) for p, c in zip(page.slices, ceiling.slices, strict=True)
        )
    return page.rps / (ceiling.rps or 1)


def page_ratios(ratio, suffix):
    """The pages' figures over one ceiling: the worse page of each pair."""
    return {
        # The worst of the list, a search and 只看我符合条件的项目 (issue 25); runs that
        # predate the filter have no catalog_eligible.
        f"catalog{suffix}": min(
            ratio[name]
            for name in ("catalog", "catalog_search", "catalog_eligible")
            if name in ratio
        ),
        f"detail{suffix}": ratio["program"],
        f"mylist{suffix}": min(ratio["mylist"], ratio["details"]),
        f"home{suffix}": ratio["home"],
        f"pdf_cached{suffix}": ratio["pdf_cached"],
        f"save{suffix}": ratio["save_draft"],
        f"submit{suffix}": ratio["submit"],
        f"admin_list{suffix}": ratio["admin_list"],
    }


def figures(results, ceilings, plan, rss, workers, cpu_ms, vanilla):
    """`ceilings` and `vanilla`: {page: the portal's /healthz/, the vanilla hello}, each
    measured in the slices beside the page; "healthz" in both is all of their slices."""
    # None: not measured (--embedded has no worker to render after a review).
    after_review = submits.p95(plan.after_review_ms) if plan.after_review_ms else None
    warm_cpu = scenarios.pdf_warm_ms(plan, workers, plan.pdf_first_cpu_ms)
    return {
        "healthz_ratio": results["healthz"].rps / (vanilla["healthz"].rps or 1),
        **page_ratios(ratios(results, vanilla), "_ratio"),
        **page_ratios(ratios(results, ceilings), "_own_ratio"),
        "vanilla_rps": vanilla["healthz"].rps,
        "save_p95_ms": results["save_draft"].p95_ms,
        "submit_p95_ms": results["submit"].p95_ms,
        "submit_vs_save_p95": results["submit"].p95_ms / (results["save_draft"].p95_ms or 1),
        "admin_list_p95_ms": results["admin_list"].p95_ms,
        "pdf_after_review_ms": after_review,
        "pdf_after_review_vs_cached_p95": (
            None if after_review is None else after_review / (results["pdf_cached"].p95_ms or 1)
        ),
        "pdf_warm_ms": scenarios.pdf_warm_ms(plan, workers),
        "pdf_warm_cpu_ms": warm_cpu,
        "cpu_calibration_ms": cpu_ms,
        "pdf_warm_vs_cpu": warm_cpu / (cpu_ms or 1),
        "errors": sum(r.errors for r in results.values()),
        "worker_rss_mb": max(rss.values()),
    }


def missed(values):
    out = []
    for name, (op, limit) in BUDGETS.items():
        value = values[name]
        if value is None:  # not measured in this set-up: said beside the table
            continue
        ok = value >= limit if op == ">=" else value <= limit
        if not ok:
            out.append(f"{name}={value:.2f} (budget {op} {limit})")
    return out


def print_table(results, ceilings, vanilla, order=ORDER):
    """`ratio` is over vanilla Django's hello, `own` over the portal's /healthz/."""
    own, ratio = ratios(results, ceilings), ratios(results, vanilla)
    print(
        f"{'page':16} {'req/s':>8} {'vanilla':>8} {'ratio':>6} {'healthz':>8} {'own':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for name in order:
        r = results[name]
        print(
            f"{name:16} {r.rps:8.1f} {vanilla[name].rps:8.1f} {ratio[name]:6.2f} "
            f"{ceilings[name].rps:8.1f} {own[name]:6.2f} "
            f"{r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.p99_ms:8.1f} {r.errors:8d}"
        )


VANILLA_REQUESTS = [wrk.Req("/hello/")]


def measure(name, requests, ceiling_requests, config, args, before_page=None):
    """A page and the two ceilings in alternating slices (`--rounds` of each), so that all
    see the same machine: on a shared virtual machine the speed drifts within seconds.
    `before_page()` runs before each slice of the page (提交 gets its drafts back).
    Returns the page's merged result, the ceiling's slices and the vanilla hello's."""
    run = functools.partial(
        wrk.run, base_url=config.base_url, connections=args.connections, threads=args.threads
    )
    hello = functools.partial(
        wrk.run,
        "vanilla",
        base_url=config.vanilla_url,
        requests=VANILLA_REQUESTS,
        connections=args.connections,
        threads=args.threads,
    )
    before_page = before_page or (lambda: None)
    if args.warmup:
        before_page()
        run(name, requests=requests, seconds=args.warmup)
        drain(config)
    seconds = max(1, round(args.duration / args.rounds))
    page, ceiling, vanilla = [], [], []
    for _ in range(args.rounds):
        vanilla.append(hello(seconds=seconds))
        ceiling.append(run("healthz", requests=ceiling_requests, seconds=seconds))
        drain(config)
        before_page()
        page.append(run(name, requests=requests, seconds=seconds))
        drain(config)
    return wrk.merge(name, page), ceiling, vanilla


def drain(config):
    """Wait until the server has answered what wrk left queued when it stopped (up to 32
    requests: ~0.4 s of work for the office list), so that it does not count against
    the next slice. One request, queued behind them, comes back when they are done."""
    with urllib.request.urlopen(f"{config.base_url}/healthz/", timeout=60) as response:
        response.read()


def bench_line(v, setup="postgresql+redis"):
    """`setup`: what the portal ran on (BenchConfig.setup); a figure not measured in it
    (None) is printed as `skipped`."""

    def fmt(name, spec):
        return "skipped" if v[name] is None else format(v[name], spec)

    ratios = " ".join(
        f"{page}{suffix}={v[page + suffix]:.2f}"
        for page in (
            "catalog",
            "detail",
            "mylist",
            "home",
            "pdf_cached",
            "save",
            "submit",
            "admin_list",
        )
        for suffix in ("_ratio", "_own_ratio")
    )
    return (
        f"BENCH setup={setup} healthz_ratio={v['healthz_ratio']:.2f} {ratios} "
        f"vanilla_rps={v['vanilla_rps']:.0f} "
        f"save_p95_ms={v['save_p95_ms']:.0f} submit_p95_ms={v['submit_p95_ms']:.0f} "
        f"submit_vs_save_p95={v['submit_vs_save_p95']:.2f} "
        f"admin_list_p95_ms={v['admin_list_p95_ms']:.0f} "
        f"pdf_after_review_ms={fmt('pdf_after_review_ms', '.0f')} "
        f"pdf_after_review_vs_cached_p95={fmt('pdf_after_review_vs_cached_p95', '.2f')} "
        f"pdf_warm_ms={v['pdf_warm_ms']:.0f} pdf_warm_cpu_ms={v['pdf_warm_cpu_ms']:.0f} "
        f"cpu_calibration_ms={v['cpu_calibration_ms']:.0f} "
        f"pdf_warm_vs_cpu={v['pdf_warm_vs_cpu']:.2f} "
        f"errors={v['errors']} worker_rss_mb={v['worker_rss_mb']:.0f}"
    )


def main(argv=None):
    p = parser("Load benchmark of the portal under gunicorn (prints a table and a BENCH line).")
    p.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="slices per page, each after a slice of the ceiling (--duration is split)",
    )
    p.add_argument("--warmup", type=int, default=2, help="seconds of untimed load per page")
    p.add_argument("--check", action="store_true", help="exit 1 when a budget is missed")
    p.add_argument(
        "--pages",
        help="comma-separated pages to load (the ceiling, healthz, always runs): a quick "
        "look at one change; the BENCH line needs them all",
    )
    args = p.parse_args(argv)
    order = ORDER
    if args.pages:
        wanted = {"healthz", *args.pages.split(",")}
        unknown = wanted - set(ORDER)
        if unknown:
            p.error(f"unknown page(s): {', '.join(sorted(unknown))}; pages: {', '.join(ORDER)}")
        order = [name for name in ORDER if name in wanted]
    config = config_from(args)
    prepare(config, args)
    load = os.getloadavg()
    served = nodes.Nodes(config, args.nodes) if args.nodes else server.Gunicorn(config)
    started = timezone.now()
    with served as gunicorn, server.VanillaDjango(config):
        # The CPU yardstick, in this process, before and after the load: the lower.
        cpu_ms = calibration.cpu_calibration_ms()
        plan = scenarios.build(config, students=args.users, server_cpu=gunicorn.worker_cpu_seconds)
        server.log(f"signed in in {plan.sign_in_seconds:.1f} s; load average before: {load[0]:.2f}")
        results, ceilings, vanilla, all_ceiling, all_vanilla = {}, {}, {}, [], []
        spent = []

        def give_back_drafts():
            spent.append(submits.reset(plan.submit_pool, since=started))

        for name in order:
            if name == "healthz":
                continue
            results[name], slices, hellos = measure(
                name,
                plan.pages[name],
                plan.pages["healthz"],
                config,
                args,
                before_page=give_back_drafts if name == "submit" else None,
            )
            ceilings[name] = wrk.merge("healthz", slices)
            vanilla[name] = wrk.merge("vanilla", hellos)
            all_ceiling += slices
            all_vanilla += hellos
            server.log(
                f"{name}: {results[name].rps:.0f} req/s (beside it: /healthz/ "
                f"{ceilings[name].rps:.0f}, vanilla Django {vanilla[name].rps:.0f}), "
                f"p95 {results[name].p95_ms:.0f} ms"
            )
        results["healthz"] = ceilings["healthz"] = wrk.merge("healthz", all_ceiling)
        vanilla["healthz"] = wrk.merge("vanilla", all_vanilla)
        rss = gunicorn.worker_rss_mb()
        try:
            give_back_drafts()
            if "submit" in order:
                pool = len([pk for pks in plan.submit_pool.values() for pk in pks])
                server.log(
                    f"submit: the slices spent {max(spent[1:], default=0)} of the {pool} "
                    "drafts at most (beyond the pool, a 提交 would be answered at no cost)"
                )
            if order == ORDER and not config.embedded:
                plan.after_review_ms = submits.first_downloads_after_review(
                    config, plan.submit_pool, plan.student_sessions
                )
        finally:
            give_back_drafts()
        cpu_ms = min(cpu_ms, calibration.cpu_calibration_ms())
    if order != ORDER:
        print_table(results, ceilings, vanilla, order)
        return 0
    workers = config.workers * (args.nodes or 1)
    values = figures(results, ceilings, plan, rss, workers, cpu_ms, vanilla)
    print_table(results, ceilings, vanilla)
    print(
        f"each page's ratio is over vanilla Django's hello (bench/vanilla), its own ratio over"
        f" the portal's signed-in /healthz/, both measured in the {args.rounds} slices beside "
        f"it; the healthz row is all of their slices"
    )
    print(
        f"pdf: warm render median {values['pdf_warm_ms']:.0f} ms, "
        f"{values['pdf_warm_cpu_ms']:.0f} ms of the server's CPU, over "
        f"{len(plan.pdf_first_ms)} applications; cached download ratio "
        f"{values['pdf_cached_own_ratio']:.2f}, p95 {results['pdf_cached'].p95_ms:.0f} ms"
    )
    print(
        f"cpu yardstick (bench/loadtest/calibration.py): {values['cpu_calibration_ms']:.0f} ms"
        f" of CPU; the warm render is {values['pdf_warm_vs_cpu']:.1f} of them"
    )
    print(
        f"submit (no broker): p95 {values['submit_p95_ms']:.0f} ms, "
        f"{values['submit_vs_save_p95']:.2f} x 保存's p95, "
        f"own ratio {values['submit_own_ratio']:.2f}"
    )
    if config.embedded:
        print(
            "first download after a review, a worker running: skipped (--embedded: no "
            "broker, no worker to render it; bench/run without --embedded measures it)"
        )
    else:
        print(
            f"first download after a review, a worker running: p95 "
            f"{values['pdf_after_review_ms']:.0f} ms over {len(plan.after_review_ms)} forms, "
            f"{values['pdf_after_review_vs_cached_p95']:.2f} x the cached download's p95"
        )
    print("worker RSS MB: " + ", ".join(f"{mb:.0f}" for mb in sorted(rss.values())))
    if args.nodes:
        print(f"through nginx: {args.nodes} node(s) x {config.workers} workers")
    print(
        f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    failures = missed(values)
    print("budgets: " + ("all met" if not failures else "MISSED " + "; ".join(failures)))
    print(bench_line(values, config.setup))
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
