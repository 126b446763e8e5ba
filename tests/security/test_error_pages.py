"""400, 403 (and a failed CSRF check), 404 and 500 with DEBUG off: the portal's own pages
in Chinese (English on request), and nothing about the code, paths or settings."""

import pytest
from django.test import Client

from tests.security.error_urls import SECRET_DETAIL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.error_urls")]

LEAKS = [SECRET_DETAIL, "Traceback", "/work/", "site-packages", "settings.py", "SECRET_KEY"]
ENGLISH_PAGES = {
    400: "Bad request",
    403: "Permission denied",
    404: "Page not found",
    500: "Something went wrong",
}
CHINESE_PAGES = {400: "请求无效", 403: "没有权限", 404: "页面不存在", 500: "系统出错"}
URLS = {
    400: "/test-errors/400/",
    403: "/test-errors/403/",
    404: "/no-such-page/",
    500: "/test-errors/500/",
}


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def visitor():
    client = Client(raise_request_exception=False)
    return client


def assert_leaks_nothing(response):
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text, leak
    assert "secret-detail" not in text


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_page_is_the_portals_own_in_chinese(visitor, status):
    response = visitor.get(URLS[status])

    assert response.status_code == status
    assert CHINESE_PAGES[status] in response.content.decode()
    assert "返回首页" in response.content.decode()
    assert_leaks_nothing(response)


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_page_in_english_on_request(visitor, status):
    visitor.cookies["django_language"] = "en"
    response = visitor.get(URLS[status])

    assert response.status_code == status
    assert ENGLISH_PAGES[status] in response.content.decode()
    assert CHINESE_PAGES[status] not in response.content.decode()
    assert_leaks_nothing(response)


def test_signed_in_student_sees_the_403_page_with_the_portal_header(visitor, student):
    visitor.force_login(student)
    response = visitor.get(URLS[403])

    assert response.status_code == 403
    assert "没有权限" in response.content.decode()
    assert "退出" in response.content.decode()


def test_unknown_host_gets_the_400_page(visitor):
    response = visitor.get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert "请求无效" in response.content.decode()
    assert "attacker.example" not in response.content.decode()
    assert "ALLOWED_HOSTS" not in response.content.decode()


class TestCsrfFailure:
    def test_form_sent_without_a_valid_token_asks_to_reload(self, student):
        client = Client(enforce_csrf_checks=True)
        client.force_login(student)

        response = client.post("/accounts/profile/", {"name": "张晓明"})

        assert response.status_code == 403
        text = response.content.decode()
        assert "页面已过期" in text
        assert "请刷新页面后重新提交" in text
        assert "CSRF" not in text and "Referer" not in text

    def test_in_english(self):
        client = Client(enforce_csrf_checks=True)
        client.cookies["django_language"] = "en"

        response = client.post("/accounts/login/", {"username": "x", "password": "y"})

        assert response.status_code == 403
        assert "This page has expired" in response.content.decode()
        assert "页面已过期" not in response.content.decode()


def test_a_database_outage_is_a_503_that_says_when_to_try_again(visitor):
    response = visitor.get("/test-errors/503/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用" in response.content.decode()
    assert "已保存的信息不会丢失" in response.content.decode()
    assert_leaks_nothing(response)


def test_the_503_page_in_english_on_request(visitor):
    visitor.cookies["django_language"] = "en"
    response = visitor.get("/test-errors/503/")

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
    assert_leaks_nothing(response)
