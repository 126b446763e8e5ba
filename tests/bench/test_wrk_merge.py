"""bench/run merges the slices of a page into one row: these are the arithmetic it relies on."""

from bench.loadtest.wrk import Result, merge


def slice_of(requests, seconds, latency_ms, errors=0):
    return Result(
        name="page",
        requests=requests,
        seconds=seconds,
        p50_ms=latency_ms,
        p95_ms=latency_ms,
        p99_ms=latency_ms,
        errors=errors,
        quantiles_ms=tuple([latency_ms] * 1000),
    )


def test_merged_throughput_is_all_requests_over_all_seconds():
    merged = merge("page", [slice_of(300, 2.0, 10), slice_of(100, 2.0, 10)])

    assert merged.requests == 400
    assert merged.rps == 100.0


def test_merged_percentiles_weigh_each_slice_by_its_requests():
    # 900 fast requests and 100 slow ones: the slow tenth is above p90 and sets p95 and p99.
    merged = merge("page", [slice_of(900, 2.0, 10), slice_of(100, 2.0, 200)])

    assert merged.p50_ms == 10
    assert merged.p95_ms == 200
    assert merged.p99_ms == 200


def test_a_slow_slice_with_few_requests_stays_out_of_the_median_and_p95():
    merged = merge("page", [slice_of(980, 2.0, 10), slice_of(20, 2.0, 500)])

    assert merged.p95_ms == 10
    assert merged.p99_ms == 500


def test_errors_of_every_slice_are_counted():
    merged = merge("page", [slice_of(10, 1.0, 5, errors=1), slice_of(10, 1.0, 5, errors=2)])

    assert merged.errors == 3
