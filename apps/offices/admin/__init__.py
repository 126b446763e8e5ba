"""Every ModelAdmin, one module per app whose models it shows. Django's autodiscovery
imports `apps.offices.admin`; the registrations are in these modules, and each model keeps
its own app label (/admin/applications/application/, the index's groups, permissions)."""

from . import accounts, applications, attachments, audit_log, programs, scores, summaries  # noqa: F401
