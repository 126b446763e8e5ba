from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("账户管理")

    def ready(self):
        from . import authz_cache, ldap, user_cache  # noqa: F401  (connect their signals)
