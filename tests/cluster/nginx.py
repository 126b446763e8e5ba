"""Debian's nginx in front of app nodes on loopback, with its own prefix, configuration,
pid file and logs in a temporary folder: no root-owned path is read or written.

The server block is deploy/nginx/portal-proxy.conf itself (included, not copied), so
what the multi-node test and `bench/run --nodes N` go through is what is deployed. Used
by tests/cluster and bench/loadtest/nodes.py.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROXY_CONF = ROOT / "deploy" / "nginx" / "portal-proxy.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONF = """\
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 1024; }}

http {{
    access_log {access_log};
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    upstream exchange_portal {{
{servers}
        keepalive 8;
    }}

    server {{
        listen 127.0.0.1:{port};
        # Which node answered (set by nginx, never by the portal): the test shows with
        # it that the journey went through both nodes. Not in the deployed site config.
        add_header X-Portal-Node $upstream_addr always;
        include {proxy_conf};
    }}
}}
"""


def available():
    return Path(NGINX).exists()


class Nginx:
    """nginx listening on 127.0.0.1:`port`, balancing `node_ports`."""

    def __init__(self, port, node_ports, *, workers=1, access_log=True):
        self.port = port
        self.prefix = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
        self.conf = self.prefix / "nginx.conf"
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in node_ports
        )
        user = ""
        if os.geteuid() == 0:
            # As root the master would keep root and its workers become `nobody`: they
            # write uploads to client_body_temp_path, so the prefix is theirs.
            user = "user nobody nogroup;"
            shutil.chown(self.prefix, "nobody", "nogroup")
        self.conf.write_text(
            CONF.format(
                workers=workers,
                prefix=self.prefix,
                user=user,
                access_log=f"{self.prefix}/access.log" if access_log else "off",
                servers=servers,
                port=port,
                proxy_conf=PROXY_CONF,
            )
        )
        self.process = None

    def command(self, *args):
        return [NGINX, "-p", str(self.prefix), "-c", str(self.conf), *args]

    def test_config(self):
        """`nginx -t`: the configuration parses; its output."""
        done = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        if done.returncode:
            raise RuntimeError(done.stderr)
        return done.stderr

    def start(self, seconds=20):
        self.test_config()
        self.log = open(self.prefix / "stderr.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not listen on {self.port} within {seconds} s")

    def error_log(self):
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self):
        """Stop nginx (if it runs) and remove its folder."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.process:
            self.log.close()
        shutil.rmtree(self.prefix, ignore_errors=True)
