"""Admin in proper Chinese and one style: no word-by-word Django wording, no breadcrumb
that names the same thing twice, the site's icon on every page."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from apps.programs.models import Region
from tests.builders import clerk
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

PORTAL_MODELS = [m for m in admin.site._registry if m._meta.app_label != "auth"]


@pytest.fixture
def admin_client(client):
    client.force_login(
        UserFactory(username="admin", first_name="国际交流部", is_staff=True, is_superuser=True)
    )
    return client


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_list_and_add_pages_read_as_chinese(admin_client):
    ProgramFactory()
    listing = admin_client.get(reverse("admin:programs_program_changelist")).text
    assert "<h1>选择要修改的交流项目</h1>" in listing
    assert "添加交流项目" in listing and "增加 交流项目" not in listing
    add = admin_client.get(reverse("admin:programs_program_add")).text
    assert "<h1>添加交流项目</h1>" in add


def test_the_welcome_has_no_half_width_period_and_the_name_is_not_shouted(admin_client):
    page = admin_client.get(reverse("admin:index")).text
    tools = text_of(
        page[page.index('id="user-tools"') : page.index("</div>", page.index('id="user-tools"'))]
    )
    assert "欢迎， 国际交流部" in tools or "欢迎，国际交流部" in tools
    assert "国际交流部." not in tools
    assert "公共" not in page


@pytest.mark.parametrize("model", PORTAL_MODELS, ids=lambda m: m._meta.label)
def test_no_breadcrumb_names_the_same_thing_twice(admin_client, model):
    info = model._meta.app_label, model._meta.model_name
    page = admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).text
    start = page.index('class="breadcrumbs"')
    crumbs = [c.strip() for c in text_of(page[start : page.index("</div>", start)]).split("›")]
    crumbs[0] = crumbs[0].split(">", 1)[-1].strip()
    assert len(crumbs) == len(set(crumbs)), crumbs


def test_an_apps_page_is_titled_by_its_name_alone(admin_client):
    page = admin_client.get(reverse("admin:app_list", args=["core"])).text
    name = str(apps.get_app_config("core").verbose_name)
    assert f"<h1>{name}</h1>" in page and " 管理" not in text_of(page.split("<h1>")[1])[:20]


@pytest.mark.parametrize("url", ["admin:index", "admin:applications_application_changelist"])
def test_every_admin_page_names_the_sites_icon(client, url):
    assert '<link rel="icon"' in client.get(reverse("admin:login")).text
    client.force_login(clerk(Region.INTERNATIONAL))
    assert '<link rel="icon"' in client.get(reverse(url)).text


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_index_lists_applications_first(admin_client):
    page = admin_client.get(reverse("admin:index")).text
    names = ["报名管理", "项目管理", "成绩管理", "总结管理", "附件管理", "账户管理", "日志管理"]
    positions = [page.index(f">{name}<") for name in names]
    assert positions == sorted(positions)


def test_date_boxes_show_iso_dates_and_times_to_the_minute(admin_client):
    program = ProgramFactory()
    page = admin_client.get(reverse("admin:programs_program_change", args=[program.pk])).text
    assert f'value="{program.start_date:%Y-%m-%d}"' in page
    opens = timezone.localtime(program.opens_at)
    assert f'value="{opens:%Y-%m-%d}"' in page and f'value="{opens:%H:%M}"' in page
