from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operator's commands: demo and benchmark data, backup and restore, the retention
    purge, key rotation. On top of every domain app; no models, no pages."""

    name = "apps.operations"
