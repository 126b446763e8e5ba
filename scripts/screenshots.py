"""Screenshot the portal's pages in headless Chromium, to look at them as a student would.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
Needs a running portal with demo data (`make run`).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screens")
PAGES = [
    ("home", "/"),
    ("list-international", "/programs/international/"),
    ("list-hmt-search", "/programs/hmt/?q=香港&state=open"),
    ("profile", "/accounts/profile/"),
    ("my-applications", "/applications/"),
]

# (name, page, link to click there): pages reached through a link, not a fixed URL.
CLICKED = [
    ("detail-open", "/programs/international/", "table a >> nth=0"),
    ("detail-closed", "/programs/international/?state=closed", "table a >> nth=0"),
    # The demo student's submitted application and half-done draft (seed_demo).
    ("application-first", "/applications/", "table a.fw-semibold >> nth=0"),
    ("application-second", "/applications/", "table a.fw-semibold >> nth=1"),
    ("application-form", "/applications/", "table a.btn >> text=编辑"),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport)
            page.goto(BASE + "/accounts/login/")
            page.screenshot(path=OUT / f"{label}-login.png", full_page=True)
            page.fill("input[name=username]", "2023301000001")
            page.fill("input[name=password]", "demo-pass-2026")
            page.click("button[type=submit].w-100")
            for name, path in PAGES:
                page.goto(BASE + path)
                page.screenshot(path=OUT / f"{label}-{name}.png", full_page=True)
            for name, path, link in CLICKED:
                page.goto(BASE + path)
                page.click(link)
                page.screenshot(path=OUT / f"{label}-{name}.png", full_page=True)
            page.close()
        browser.close()
    print(f"screenshots in {OUT}/")


if __name__ == "__main__":
    main()
