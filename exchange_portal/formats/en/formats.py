from exchange_portal.formats.common import *  # noqa: F403
