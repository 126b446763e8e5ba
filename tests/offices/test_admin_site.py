"""The portal's admin site: its titles, no app sidebar, and the list of models built only
where a page shows it."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from apps.offices.site import PortalAdminSite, RememberedSelect
from tests.builders import clerk

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_list_builds(monkeypatch):
    calls = []
    build = AdminSite._build_app_dict

    def counting(self, request, label=None):
        calls.append(label)
        return build(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counting)
    return calls


@pytest.fixture
def intl_clerk_client(client):
    client.force_login(clerk("international"))
    return client


def test_the_default_admin_site_is_the_portals():
    assert isinstance(admin.site, PortalAdminSite)


def test_the_application_list_does_not_build_the_list_of_models(intl_clerk_client, app_list_builds):
    response = intl_clerk_client.get(reverse("admin:applications_application_changelist"))

    assert response.status_code == 200
    assert "交换项目管理后台" in response.text
    assert 'id="nav-sidebar"' not in response.text
    assert app_list_builds == []


def test_the_index_still_lists_the_models_the_clerk_may_see(intl_clerk_client, app_list_builds):
    response = intl_clerk_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "出国（境）事务管理" in response.text
    assert reverse("admin:applications_application_changelist") in response.text
    assert reverse("admin:auth_group_changelist") not in response.text, "a clerk's is shorter"
    assert app_list_builds == [None]


# --- The action drop-down, rendered once per set of actions ------------------------------

ACTIONS = [("", "---------"), ("approve", gettext_lazy("审核通过所选申请"))]


def drop_down(widget_class, choices=ACTIONS, value=None):
    widget = widget_class()
    widget.choices = choices
    return widget.render("action", value, {"required": True})


def test_the_remembered_drop_down_is_djangos_own_html():
    assert drop_down(RememberedSelect) == drop_down(forms.Select)
    assert drop_down(RememberedSelect) == drop_down(forms.Select), "and again, from memory"
    assert drop_down(RememberedSelect, value="approve") == drop_down(forms.Select, value="approve")


def test_the_remembered_drop_down_follows_its_choices_and_the_language():
    other = [("", "---------"), ("reject", "审核不通过所选申请…")]
    assert "approve" in drop_down(RememberedSelect)
    assert "approve" not in drop_down(RememberedSelect, choices=other)

    with translation.override("en"):
        english = drop_down(RememberedSelect)
    assert "审核通过所选申请" in drop_down(RememberedSelect)
    assert "审核通过所选申请" not in english


def test_the_application_list_offers_its_actions_in_the_pages_language(intl_clerk_client):
    url = reverse("admin:applications_application_changelist")
    assert "审核通过所选申请" in intl_clerk_client.get(url).text

    intl_clerk_client.cookies["django_language"] = "en"
    english = intl_clerk_client.get(url).text

    assert 'name="action"' in english and "审核通过所选申请" not in english
