"""bench/run merges the slices of a page into one row: these are the arithmetic it relies on."""

import pytest

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


def test_a_pages_ratio_is_the_median_of_its_rounds_so_one_slowed_slice_does_not_decide_it():
    from bench.loadtest.run import ratios

    # Five rounds at 0.4 of the ceiling beside them, one round where the machine slowed
    # the page alone down to a tenth: the sums would say 0.34.
    pages = [slice_of(400, 1.0, 10)] * 4 + [slice_of(100, 1.0, 10)]
    ceilings = [slice_of(1000, 1.0, 10)] * 4 + [slice_of(1000, 1.0, 10)]
    page, ceiling = merge("page", pages), merge("healthz", ceilings)
    assert page.rps / ceiling.rps == pytest.approx(0.34)
    assert ratios({"page": page}, {"page": ceiling}) == {"page": pytest.approx(0.4)}
    # A ceiling slice slowed down beside a normal page's counts as little.
    ceilings[2] = slice_of(400, 1.0, 10)
    assert ratios({"page": page}, {"page": merge("healthz", ceilings)})["page"] == 0.4
