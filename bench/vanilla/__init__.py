"""The reference ceiling of bench/run: a vanilla Django project (issue 23).

What `django-admin startproject` makes, with the portal's Django and nothing of the
portal: Django's default apps and middleware, SQLite, DEBUG off, and one view returning a
short string. bench/run serves it under the same gunicorn settings
(deploy/gunicorn.conf.py, the same workers) beside the portal, and prints every page's
throughput over its throughput: the most a Django page can do on this machine.
"""
