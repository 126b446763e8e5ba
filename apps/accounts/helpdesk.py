"""Whom a student is sent to when the portal cannot help (a locked account, a directory
failure, a refused page): `HELPDESK_CONTACT`, else each track's office by name. A student
signing in has no track yet, and an HMT student told to ask the international office
asks the wrong one."""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _


def helpdesk_contact():
    """A noun phrase to follow 请联系 ("please contact")."""
    return settings.HELPDESK_CONTACT or _(
        "国际交流部学生出国事务办公室（国际项目）或港澳台事务办公室（港澳台项目）"
    )


def contact_message(template):
    """`template` % {"contact": …}, translated and filled when shown (in the reader's
    language, with the setting as it is then)."""
    return lazy(lambda: _(template) % {"contact": helpdesk_contact()}, str)()
