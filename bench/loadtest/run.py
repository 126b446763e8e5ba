"""bench/run: the portal's load benchmark and its budgets (see README "Performance")."""

import argparse
import os
import sys

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


def figures(results, plan, rss, workers):
    ceiling = results["healthz"].rps or 1
    ratio = {name: r.rps / ceiling for name, r in results.items()}
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


def print_table(results, order=ORDER):
    ceiling = results["healthz"].rps or 1
    print(
        f"{'page':16} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    for name in order:
        r = results[name]
        print(
            f"{name:16} {r.rps:8.1f} {r.rps / ceiling:6.2f} {r.p50_ms:8.1f} {r.p95_ms:8.1f} "
            f"{r.p99_ms:8.1f} {r.errors:8d}"
        )


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
        results = {}
        for name in order:
            requests = plan.pages[name]
            if args.warmup:
                wrk.run(
                    name, config.base_url, requests, args.warmup, args.connections, args.threads
                )
            results[name] = wrk.run(
                name, config.base_url, requests, args.duration, args.connections, args.threads
            )
            server.log(f"{name}: {results[name].rps:.0f} req/s, p95 {results[name].p95_ms:.0f} ms")
        rss = gunicorn.worker_rss_mb()
    if order != ORDER:
        print_table(results, order)
        return 0
    values = figures(results, plan, rss, config.workers * (args.nodes or 1))
    print_table(results)
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
