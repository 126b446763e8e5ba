"""The offices' list rows, rendered once per version of the rows they show.

Django admin renders each cell through several helpers (a lookup, escaping, a resolve()
per link for the kept filters): ~80 ms for a page of 50 applications. The rows' HTML
depends only on the rows (each application's and program's `updated_at`), the query
string (links keep the filters and the sorting), the columns and the language, so it is
cached under exactly those. The rows come from the clerk's own scoped query: a clerk
is never shown a row his query did not return. Their versions come from one narrow
query (ApplicationChangeList.row_versions); the rows are read only to render them.

Around the rows, the rest of the list's content (search bar, action bar, pagination,
filters: ~200 template nodes, a third of the page's CPU) is cached the same way, under
the same versions and also the clerk's permissions (`cached_changelist_content`).
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


# The page's content (search bar, object tools, action bar, rows, pagination, filters)
# rendered with this in place of the CSRF token, which is put in on the way out: the
# token is the one part of the content that belongs to the browser, not to the page.
CSRF_PLACEHOLDER = "csrf-placeholder-5d0c7a"
CONTENT_SECONDS = 300  # no longer than the 学院 filter's values are kept (SchoolFilter)


@register.tag
def cached_changelist_content(parser, token):
    """{% cached_changelist_content %}…{% endcached_changelist_content %}: the change
    list's whole content, cached under everything it is made of.

    The key holds what the clerk asked (the whole query string, the language), who asks
    (the user, his flags and his permissions and offices: actions, tools and filters
    follow them) and what the page shows: the page's row versions, the counts and the
    catalog version of the filters. Those come fresh from this request's ChangeList, so
    a review, a new submission or a program edit makes a new key at once. Only GETs are
    cached: an action's POST renders its own page.
    """
    nodelist = parser.parse(("endcached_changelist_content",))
    parser.delete_first_token()
    return CachedChangelistContent(nodelist)


class CachedChangelistContent(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        request, cl = context.get("request"), context.get("cl")
        if request is None or cl is None or request.method != "GET":
            return self.nodelist.render(context)
        key = f"admin-changelist:{cl.opts.label_lower}:{_content_digest(request, cl, context)}"
        html = cache.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = self.nodelist.render(context)
            cache.set(key, str(html), CONTENT_SECONDS)
        token = context.get("csrf_token")
        return mark_safe(html.replace(CSRF_PLACEHOLDER, str(token) if token else ""))


def _content_digest(request, cl, context):
    from apps.accounts.authz_cache import authorization

    user = request.user
    parts = [
        translation.get_language(),
        request.get_full_path(),
        user.pk,
        (user.is_active, user.is_staff, user.is_superuser),
        sorted((kind, sorted(names)) for kind, names in authorization(user).items()),
        context.get("filters_key"),
        cl.result_count,
        cl.full_result_count,
        [(pk, u.timestamp(), p.timestamp()) for pk, u, p in cl.row_versions],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
