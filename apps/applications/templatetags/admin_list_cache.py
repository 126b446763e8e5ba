"""The offices' list rows, rendered once per version of the rows they show.

Django admin renders each cell through several helpers (a lookup, escaping, a resolve()
per link for the kept filters): ~80 ms for a page of 50 applications. The rows' HTML
depends only on the rows (each application's and program's `updated_at`), the query
string (links keep the filters and the sorting), the columns and the language, so it is
cached under exactly those. The rows come from the clerk's own scoped query: a clerk
is never shown a row his query did not return. Their versions come from one narrow
query (ApplicationChangeList.row_versions); the rows are read only to render them.
"""

import hashlib

from django import template
from django.contrib.admin.templatetags.admin_list import result_list
from django.core.cache import cache
from django.template.loader import select_template
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

SECONDS = 600


@register.simple_tag
def cached_result_list(cl):
    # The page's versions, read by ApplicationChangeList without building its rows.
    rows = [
        (pk, updated.timestamp(), program_updated.timestamp())
        for pk, updated, program_updated in cl.row_versions
    ]
    parts = [
        translation.get_language(),
        cl.get_query_string(),
        cl.list_display,
        cl.list_display_links,  # with the action checkbox when the clerk has actions
        rows,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"admin-result-rows:{cl.opts.label_lower}:{digest}"
    html = cache.get(key)
    if html is None:
        app, model = cl.opts.app_label, cl.opts.model_name
        tpl = select_template(
            [
                f"admin/{app}/{model}/change_list_results.html",
                f"admin/{app}/change_list_results.html",
                "admin/change_list_results.html",
            ]
        )
        html = tpl.render(result_list(cl))
        cache.set(key, html, SECONDS)
    return mark_safe(html)  # rendered by the admin's own template above
