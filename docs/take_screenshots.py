"""Take the README's screenshots from a running demo site (make run, then this).

.venv/bin/python docs/take_screenshots.py [http://127.0.0.1:8000]
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1500})
        page.goto(f"{BASE}/", wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=OUT / "home.png")
        page.locator(".teaser__title a").filter(has_text="ending").first.click()
        page.screenshot(path=OUT / "article.png")
        page.locator("details.spoiler-gate summary").last.click()
        page.locator("details.spoiler-gate[open]").last.scroll_into_view_if_needed()
        page.screenshot(path=OUT / "article-revealed.png")
        page.goto(f"{BASE}/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", "editor-demo-pass")
        page.click("input[type=submit]")
        page.goto(f"{BASE}/admin/explainers/article/")
        page.locator("#result_list a").filter(has_text="ending").first.click()
        page.locator(".inline-related").nth(2).scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=OUT / "admin.png")
        browser.close()


if __name__ == "__main__":
    main()
