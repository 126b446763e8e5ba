"""bench/soak: minutes of mixed load; errors must be 0 and the workers' memory flat."""

import sys

from . import nodes, scenarios, server, wrk
from .run import config_from, parser, prepare

TOLERANCE = 0.10


def main(argv=None):
    p = parser("Mixed load for --minutes; fails on any error or a worker growing over 10%.")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--warmup", type=int, default=60, help="seconds of load before the start RSS")
    args = p.parse_args(argv)
    config = config_from(args)
    prepare(config, args)
    served = nodes.Nodes(config, args.nodes) if args.nodes else server.Gunicorn(config)
    with served as gunicorn:
        plan = scenarios.build(config, students=args.users)
        mix = scenarios.mixed(plan)
        warm = wrk.run("warm-up", config.base_url, mix, args.warmup, args.connections, args.threads)
        start = gunicorn.worker_rss_mb()
        server.log(f"warm-up {warm.rps:.0f} req/s; RSS at start (MB): {_fmt(start)}")
        result = wrk.run(
            "soak", config.base_url, mix, int(args.minutes * 60), args.connections, args.threads
        )
        end = gunicorn.worker_rss_mb()
    print(
        f"soak: {args.minutes:g} min, {result.requests} requests, {result.rps:.1f} req/s, "
        f"p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms, p99 {result.p99_ms:.0f} ms"
    )
    print(f"errors: {warm.errors + result.errors}")
    print(f"worker RSS at start (MB): {_fmt(start)}")
    print(f"worker RSS at end   (MB): {_fmt(end)}")
    problems = []
    if warm.errors + result.errors:
        problems.append(f"{warm.errors + result.errors} errors")
    if set(start) != set(end):
        problems.append("workers were replaced during the soak (a crash or a timeout)")
    for pid in set(start) & set(end):
        if end[pid] > start[pid] * (1 + TOLERANCE):
            problems.append(f"worker {pid} grew {start[pid]:.0f} -> {end[pid]:.0f} MB")
    start_total, end_total = sum(start.values()), sum(end.values())
    print(
        f"SOAK errors={warm.errors + result.errors} rss_start_mb={start_total:.0f} "
        f"rss_end_mb={end_total:.0f} growth={(end_total / start_total - 1) * 100:.1f}% "
        f"{'ok' if not problems else 'FAILED: ' + '; '.join(problems)}"
    )
    return 1 if problems else 0


def _fmt(rss):
    return ", ".join(f"{pid}:{mb:.0f}" for pid, mb in sorted(rss.items()))


if __name__ == "__main__":
    sys.exit(main())
