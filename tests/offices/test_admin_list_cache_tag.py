"""{% cached_changelist_content %} called alone (not through the admin's changelist, which
only ever renders it for a GET with a ChangeList): what it caches, for how long, and
what it puts in place of the CSRF token."""

from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from apps.offices.templatetags import admin_list_cache

pytestmark = pytest.mark.django_db

TEMPLATE = (
    "{% load admin_list_cache %}{% cached_changelist_content %}"
    "<{{ value }}|{{ csrf_token }}>{% endcached_changelist_content %}"
)


def changelist():
    """What the tag reads of a ChangeList: its model and the page's versions and counts."""
    opts = SimpleNamespace(label_lower="applications.application")
    return SimpleNamespace(opts=opts, result_count=0, full_result_count=0, row_versions=[])


def render(request, cl, value, **extra):
    # Compiled on each call (not once at import), so that the tag's parsing is tested too.
    context = Context({"request": request, "cl": cl, "value": value, **extra})
    return Template(TEMPLATE).render(context)


@pytest.fixture
def get(clerk):
    request = RequestFactory().get("/admin/applications/application/")
    request.user = clerk
    return request


def test_a_get_is_kept_for_content_seconds_and_no_longer(get):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        cl = changelist()
        assert render(get, cl, 1) == "<1|>"
        assert render(get, cl, 2) == "<1|>", "served from the cache"
        traveller.shift(admin_list_cache.CONTENT_SECONDS + 1)
        assert render(get, cl, 3) == "<3|>"


def test_the_token_goes_in_on_the_way_out_and_nothing_without_one(get):
    cl = changelist()
    assert render(get, cl, 1, csrf_token="tok-1") == "<1|tok-1>"
    assert render(get, cl, 1, csrf_token="tok-2") == "<1|tok-2>"
    assert render(get, cl, 1) == "<1|>"


def test_a_post_or_a_page_without_a_changelist_is_rendered_and_never_cached(clerk, get):
    post = RequestFactory().post("/admin/applications/application/")
    post.user = clerk

    assert render(post, changelist(), 1) == "<1|>"
    assert render(post, object(), 2) == "<2|>"
    assert render(get, None, 3) == "<3|>"
    assert render(None, None, 4) == "<4|>"
    assert not [key for key in cache._cache if "admin-changelist" in key], "nothing cached"
