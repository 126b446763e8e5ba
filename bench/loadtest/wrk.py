"""Load from a second process: wrk, driven by a generated Lua script.

wrk costs far less CPU than a Python load generator, which matters on a 2-core machine
where the budgets are ratios. Each wrk thread cycles through its share of the prepared
requests (each with its user's cookies); `response()` counts every error status and every
redirect to the sign-in page, and `done()` prints one JSON
line with the throughput, the latency percentiles, the errors and the latency
distribution as 1,000 quantiles, so that short runs of one page can be merged
(`merge`): `bench/run` alternates a page with the ceiling in slices of a few seconds.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Req:
    path: str
    cookie: str = ""
    method: str = "GET"
    body: str = ""
    expect: int = 200


LUA = r"""
local entries = {
%(entries)s
}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  reqs, n, i, bad = {}, 0, 0, 0
  local nthreads = %(threads)d
  for k, e in ipairs(entries) do
    if (k - 1) %% nthreads == tid - 1 or #entries < nthreads then
      local headers = {}
      if e[2] ~= "" then headers["Cookie"] = e[2] end
      if e[3] == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      n = n + 1
      reqs[n] = wrk.format(e[3], e[1], headers, e[4] ~= "" and e[4] or nil)
    end
  end
end

function request()
  i = i %% n + 1
  return reqs[i]
end

-- Answers of different connections interleave, so a response cannot be matched to its
-- request here: an error is any status >= 400, or a redirect to the sign-in page.
function response(status, headers, body)
  if status >= 400 then
    bad = bad + 1
  elseif status >= 300 then
    local location = headers["Location"] or headers["location"] or ""
    if string.find(location, "/login/", 1, true) then bad = bad + 1 end
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + t:get("bad") end
  local e = summary.errors
  local q = {}
  for k = 1, 1000 do q[k] = string.format("%%d", latency:percentile((k - 0.5) / 10)) end
  io.write(string.format(
    '\nRESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"max": %%d, "socket_errors": %%d, "http_errors": %%d, "wrong_status": %%d, ' ..
    '"quantiles_us": [%%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status,
    wrong, table.concat(q, ",")))
end
"""


def _lua_string(text):
    """A Lua string literal of `text`, byte for byte (a long bracket string would turn a
    CR LF in a body into LF)."""
    for plain, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\r", "\\r"), ("\n", "\\n")):
        text = text.replace(plain, escaped)
    return f'"{text}"'


def script(requests, threads):
    rows = ",\n".join(
        f"  {{{_lua_string(r.path)}, {_lua_string(r.cookie)}, {_lua_string(r.method)}, "
        f"{_lua_string(r.body)}, {r.expect}}}"
        for r in requests
    )
    return LUA % {"entries": rows, "threads": threads}


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    quantiles_ms: tuple = ()  # 1,000 evenly spaced quantiles of the latency
    slices: tuple = ()  # the runs merged into this one (merge), in order

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0


def run(name, base_url, requests, seconds, connections=32, threads=2, timeout=10):
    """Drive `requests` (cycled) with `connections` connections for `seconds`."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-", delete=False) as f:
        f.write(script(requests, threads))
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                f"--timeout={timeout}s",
                "-s",
                f.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    # wrk counts a status >= 400 both in http_errors and (ours) wrong_status.
    errors = data["socket_errors"] + max(data["http_errors"], data["wrong_status"])
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        errors=errors,
        quantiles_ms=tuple(us / 1000 for us in data["quantiles_us"]),
    )


def merge(name, results):
    """One result from several runs of the same page: requests, time and errors added up,
    percentiles read from the runs' quantiles, each weighted by its run's requests."""
    points = sorted(
        (q, r.requests / len(r.quantiles_ms))
        for r in results
        if r.quantiles_ms
        for q in r.quantiles_ms
    )
    total = sum(weight for _, weight in points)

    def percentile(p):
        seen = 0.0
        for value, weight in points:
            seen += weight
            if seen >= total * p / 100:
                return value
        return points[-1][0] if points else 0.0

    return Result(
        name=name,
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
        errors=sum(r.errors for r in results),
        slices=tuple(results),
    )
