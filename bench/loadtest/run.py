"""bench/run: the portal's load benchmark and its budgets (see README "Performance")."""

import argparse
import functools
import os
import sys
import urllib.request

from . import nodes, scenarios, server, wrk

# The budgets, on a 2-core machine with 32 concurrent connections (issue 6).
BUDGETS = {
    "catalog_ratio": (">=", 0.5),
    "detail_ratio": (">=", 0.5),
    "mylist_ratio": (">=", 0.33),
    "pdf_cached_ratio": (">=", 0.5),
    "save_p95_ms": ("<=", 150),
    "admin_list_p95_ms": ("<=", 300),
    "pdf_warm_ms": ("<=", 500),
    "errors": ("<=", 0),
    "worker_rss_mb": ("<=", 200),
}
ORDER = [
    "healthz",
    "catalog",
    "catalog_search",
    "program",
    "mylist",
    "details",
    "save_draft",
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
    return p


def config_from(args):
    config = server.BenchConfig(
        students=args.students, programs=args.programs, applications=args.applications
    )
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
    """Each page's req/s over the ceiling's, measured in the slices beside it."""
    return {name: r.rps / (ceilings[name].rps or 1) for name, r in results.items()}


def figures(results, ceilings, plan, rss, workers):
    ratio = ratios(results, ceilings)
    return {
        "catalog_ratio": min(ratio["catalog"], ratio["catalog_search"]),
        "detail_ratio": ratio["program"],
        "mylist_ratio": min(ratio["mylist"], ratio["details"]),
        "pdf_cached_ratio": ratio["pdf_cached"],
        "save_p95_ms": results["save_draft"].p95_ms,
        "admin_list_p95_ms": results["admin_list"].p95_ms,
        "pdf_warm_ms": scenarios.pdf_warm_ms(plan, workers),
        "errors": sum(r.errors for r in results.values()),
        "worker_rss_mb": max(rss.values()),
    }


def missed(values):
    out = []
    for name, (op, limit) in BUDGETS.items():
        value = values[name]
        ok = value >= limit if op == ">=" else value <= limit
        if not ok:
            out.append(f"{name}={value:.2f} (budget {op} {limit})")
    return out


def print_table(results, ceilings, order=ORDER):
    ratio = ratios(results, ceilings)
    print(
        f"{'page':16} {'req/s':>8} {'ceiling':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    for name in order:
        r = results[name]
        print(
            f"{name:16} {r.rps:8.1f} {ceilings[name].rps:8.1f} {ratio[name]:6.2f} "
            f"{r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.p99_ms:8.1f} {r.errors:8d}"
        )


def measure(name, requests, ceiling_requests, config, args):
    """A page and the ceiling in alternating slices (`--rounds` of each), so that both see
    the same machine: on a shared virtual machine the speed drifts within seconds.
    Returns the page's merged result and the ceiling's slices."""
    run = functools.partial(
        wrk.run, base_url=config.base_url, connections=args.connections, threads=args.threads
    )
    if args.warmup:
        run(name, requests=requests, seconds=args.warmup)
        drain(config)
    seconds = max(1, round(args.duration / args.rounds))
    page, ceiling = [], []
    for _ in range(args.rounds):
        ceiling.append(run("healthz", requests=ceiling_requests, seconds=seconds))
        drain(config)
        page.append(run(name, requests=requests, seconds=seconds))
        drain(config)
    return wrk.merge(name, page), ceiling


def drain(config):
    """Wait until the server has answered what wrk left queued when it stopped (up to 32
    requests: ~0.4 s of work for the office list), so that it does not count against
    the next slice. One request, queued behind them, comes back when they are done."""
    with urllib.request.urlopen(f"{config.base_url}/healthz/", timeout=60) as response:
        response.read()


def bench_line(v):
    return (
        f"BENCH catalog_ratio={v['catalog_ratio']:.2f} detail_ratio={v['detail_ratio']:.2f} "
        f"mylist_ratio={v['mylist_ratio']:.2f} save_p95_ms={v['save_p95_ms']:.0f} "
        f"admin_list_p95_ms={v['admin_list_p95_ms']:.0f} pdf_warm_ms={v['pdf_warm_ms']:.0f} "
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
    with served as gunicorn:
        plan = scenarios.build(config, students=args.users)
        server.log(f"signed in in {plan.sign_in_seconds:.1f} s; load average before: {load[0]:.2f}")
        results, ceilings, all_ceiling = {}, {}, []
        for name in order:
            if name == "healthz":
                continue
            results[name], slices = measure(
                name, plan.pages[name], plan.pages["healthz"], config, args
            )
            ceilings[name] = wrk.merge("healthz", slices)
            all_ceiling += slices
            server.log(
                f"{name}: {results[name].rps:.0f} req/s (ceiling beside it "
                f"{ceilings[name].rps:.0f}), p95 {results[name].p95_ms:.0f} ms"
            )
        results["healthz"] = ceilings["healthz"] = wrk.merge("healthz", all_ceiling)
        rss = gunicorn.worker_rss_mb()
    if order != ORDER:
        print_table(results, ceilings, order)
        return 0
    values = figures(results, ceilings, plan, rss, config.workers * (args.nodes or 1))
    print_table(results, ceilings)
    print(
        f"each page's ratio is over the ceiling measured in the {args.rounds} slices beside "
        f"it; the healthz row is all of the ceiling's slices"
    )
    print(
        f"pdf: warm render median {values['pdf_warm_ms']:.0f} ms over {len(plan.pdf_first_ms)}"
        f" applications; cached download ratio {values['pdf_cached_ratio']:.2f}"
    )
    print("worker RSS MB: " + ", ".join(f"{mb:.0f}" for mb in sorted(rss.values())))
    if args.nodes:
        print(f"through nginx: {args.nodes} node(s) x {config.workers} workers")
    print(
        f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    failures = missed(values)
    print("budgets: " + ("all met" if not failures else "MISSED " + "; ".join(failures)))
    print(bench_line(values))
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
