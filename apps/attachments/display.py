"""How a file is named in admin: a download link, or the note that it was purged."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


def file_link(attachment):
    if attachment.is_purged:
        return format_html(
            '{} <span class="quiet">({})</span>',
            attachment.original_name,
            _("已于 %(day)s 清理") % {"day": f"{localtime(attachment.purged_at):%Y-%m-%d}"},
        )
    url = reverse("applications:attachment", args=[attachment.application_id, attachment.pk])
    return format_html('<a href="{}">{}</a>', url, attachment.original_name)
