"""`bench/run --nodes N`: the same benchmark through nginx in front of N gunicorn nodes.

nginx listens on the benchmark's port (so the load, the sign-ins and the checks are the
same as against one gunicorn) and balances nodes on the next ports, each a gunicorn from
deploy/gunicorn.conf.py with `workers` workers, sharing the database, the Redis cache and
the media folder, as app nodes on separate machines share PostgreSQL, Redis and object
storage. nginx's server block is deploy/nginx/portal-proxy.conf (tests/cluster/nginx.py).
On one machine the nodes share its cores: this measures what nginx and a second node
cost and give there, not what a second machine would add.
"""

import dataclasses

from tests.cluster.nginx import Nginx

from . import server


class Nodes:
    """Started with `with`, like server.Gunicorn, with the same worker_rss_mb() and
    worker_cpu_seconds()."""

    def __init__(self, config, count):
        self.config = config
        self.nodes = [
            server.Gunicorn(dataclasses.replace(config, port=config.port + 1 + n))
            for n in range(count)
        ]
        self.nginx = None

    def __enter__(self):
        try:
            for node in self.nodes:
                node.__enter__()
            ports = [node.config.port for node in self.nodes]
            server.log(f"starting nginx on {self.config.base_url} in front of ports {ports}")
            # One nginx worker, no access log: the least CPU taken from the nodes.
            self.nginx = Nginx(self.config.port, ports, workers=1, access_log=False).start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        for node in self.nodes:
            node.stop()

    def worker_cpu_seconds(self):
        return sum(node.worker_cpu_seconds() for node in self.nodes)

    def worker_rss_mb(self):
        rss = {}
        for node in self.nodes:
            rss.update(node.worker_rss_mb())
        return rss
