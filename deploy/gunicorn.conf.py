"""Gunicorn settings for production (and for bench/run, which uses this file).

    gunicorn -c deploy/gunicorn.conf.py exchange_portal.wsgi

Every value can be overridden from the environment (GUNICORN_* below, or gunicorn's own
GUNICORN_CMD_ARGS). Sync workers, two per core: the portal's requests are short and
mostly wait on PostgreSQL, and each worker keeps one persistent database connection
(DB_CONN_MAX_AGE), so PostgreSQL sees `workers` connections per server.

Threads were measured and cost more than they give on 2 cores (bench/RESULTS.md, runs 12
and 13: gthread with 4 threads doubled the p95 of saves and of the office's list). A
silent directory holds a sync worker for at most AUTH_LDAP_TIMEOUT (3 s) per sign-in;
where the directory is unreliable, GUNICORN_WORKER_CLASS=gthread and GUNICORN_THREADS=4
make it hold one thread instead.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A PDF render takes about half a second; nothing legitimate takes 30.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycling workers bounds slow leaks in production; 0 (off) while benchmarking, so that
# the memory measured is a long-lived worker's.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request line and headers are small; refuse what is not.
limit_request_line = 8190
proc_name = "exchange-portal"
# gunicorn's control socket (gunicornc) defaults to one path per user: several nodes on
# one machine (the systemd template, tests/cluster, bench/run --nodes) would take it from
# each other. Off unless a path of its own is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
