"""A CPU yardstick measured in the same run as the figures it judges.

A fixed piece of pure Python (string formatting, dict and list work, as a template
render does), timed in this process in CPU time: the fastest of a few tries, in
milliseconds. A render's CPU time divided by it says how many yardsticks a render costs,
which holds from one machine to another (and under other processes' load, which takes
wall time, not CPU time) where the render's milliseconds alone follow the machine.
"""

import time

TRIES = 7


def _work():
    table = {}
    for i in range(150_000):
        key = f"field-{i % 997}"
        table[key] = table.get(key, 0) + len(str(i * 7))
    rows = sorted(table.items(), key=lambda kv: (-kv[1], kv[0]))
    return sum(len(" | ".join((k, str(v)))) for k, v in rows)


def cpu_calibration_ms(tries=TRIES):
    """The fastest of `tries` runs of the yardstick, in milliseconds."""
    best = float("inf")
    for _ in range(tries):
        started = time.process_time()
        _work()
        best = min(best, time.process_time() - started)
    return best * 1000
