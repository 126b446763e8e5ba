from django import template

from apps.accounts.helpdesk import helpdesk_contact as contact

register = template.Library()


@register.simple_tag
def helpdesk_contact():
    """{% helpdesk_contact as contact %}: whom to contact, for a blocktranslate."""
    return contact()
