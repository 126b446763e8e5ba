"""Screenshot the portal's pages in headless Chromium, to look at them as a student would.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
Needs a running portal with demo data (`make run`). Also renders the demo student's
申请表 PDF to PNG with pdftoppm (poppler-utils).
"""

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screens")
PASSWORD = "demo-pass-2026"
ADMIN_LIST = "/admin/applications/application/"

# Who signs in, the pages they open by URL, and (name, page, link to click there) for
# pages reached through a link. The demo data comes from seed_demo.
ACCOUNTS = [
    (
        "2023301000001",  # one submitted application and one draft
        [
            ("home", "/"),
            ("list-international", "/programs/international/"),
            ("list-hmt-search", "/programs/hmt/?q=香港&state=open"),
            ("profile", "/accounts/profile/"),
            ("my-applications", "/applications/"),
        ],
        [
            ("detail-open", "/programs/international/", "table a >> nth=0"),
            ("detail-closed", "/programs/international/?state=closed", "table a >> nth=0"),
            ("application-first", "/applications/", "table a.fw-semibold >> nth=0"),
            ("application-second", "/applications/", "table a.fw-semibold >> nth=1"),
            ("application-form", "/applications/", "table a.btn >> text=编辑"),
        ],
    ),
    (
        "2024202000002",  # submitted to the HMT office without a score
        [("score-list", "/applications/")],
        [("score-dialog", "/applications/", "table a.btn >> text=补录分数")],
    ),
    (
        "2022301000003",  # admitted last year, back home
        [],
        [
            ("summary-detail", "/applications/", "table a.fw-semibold >> nth=0"),
            ("summary-form", "/applications/", "table a.btn >> text=填写交流总结"),
        ],
    ),
    (
        "intl_clerk",
        [
            ("admin-index", "/admin/"),
            ("admin-applications", ADMIN_LIST),
            ("admin-programs", "/admin/programs/program/"),
            ("admin-statistics", ADMIN_LIST + "statistics/"),
            ("admin-import", ADMIN_LIST + "admission-results/import/"),
            ("verify", "/applications/verify/"),
            ("admin-lockouts", "/admin/accounts/loginlockout/"),
        ],
        # The first visible link of the first row: on a phone the 学号 column is hidden and
        # the name is the link.
        [("admin-application", ADMIN_LIST, "#result_list tbody a:visible >> nth=0")],
    ),
]


def sign_in(page, username):
    page.goto(BASE + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].w-100")


def locked_out(page, path):
    """What a student reads after five wrong passwords (an account no one uses)."""
    for _ in range(6):
        page.goto(BASE + "/accounts/login/")
        page.fill("input[name=username]", "2099000000099")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit].w-100")
    page.screenshot(path=path, full_page=True)


def save_form_pdf(page):
    """The first demo student's 申请表, as PNG pages for the eye."""
    page.goto(BASE + "/applications/")
    page.click("tr:has-text('待审核') a.fw-semibold")
    href = page.get_attribute("a:has-text('下载申请表')", "href")
    pdf = OUT / "application-form.pdf"
    pdf.write_bytes(page.request.get(BASE + href).body())
    subprocess.run(["pdftoppm", "-r", "80", "-png", pdf, OUT / "application-form"], check=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, viewport in VIEWPORTS.items():
            for username, pages, clicked in ACCOUNTS:
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                if username == ACCOUNTS[0][0]:
                    page.goto(BASE + "/accounts/login/")
                    page.screenshot(path=OUT / f"{label}-login.png", full_page=True)
                    if label == "desktop":
                        locked_out(page, OUT / f"{label}-login-locked.png")
                sign_in(page, username)
                for name, path in pages:
                    page.goto(BASE + path)
                    page.screenshot(path=OUT / f"{label}-{name}.png", full_page=True)
                for name, path, link in clicked:
                    page.goto(BASE + path)
                    page.click(link)
                    page.wait_for_timeout(400)  # let a dialog finish opening
                    page.screenshot(path=OUT / f"{label}-{name}.png", full_page=True)
                if username == ACCOUNTS[0][0] and label == "desktop":
                    save_form_pdf(page)
                context.close()
        browser.close()
    print(f"screenshots in {OUT}/")


if __name__ == "__main__":
    main()
