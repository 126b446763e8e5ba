"""The machinery shared by bench/run and bench/soak: server, virtual users, wrk."""
