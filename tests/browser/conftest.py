"""Browser tests: Playwright driving Debian's Chromium (``playwright install`` is not
used; set CHROMIUM_PATH to use another binary). Without Chromium they skip on a
developer's machine and fail in CI, where they must run."""

import os
import shutil
from urllib.parse import urlparse

import pytest

from tests.support.demo import load_demo

# Playwright's sync API runs an event loop in the test thread; the ORM calls our tests
# make there are ordinary blocking calls, not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or shutil.which("google-chrome")
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        message = "Chromium not found: install it (apt-get install chromium) or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{message}. CI must run the browser tests.")
        pytest.skip(f"{message}; browser tests skipped.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_site(transactional_db, live_server):
    from django.core.cache import cache

    # The demo's rows come back with the same ids each test: what an earlier test left in
    # the cache (who had an article open, pages) would be about them.
    cache.clear()
    load_demo()
    return live_server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


def image_paths(image):
    """Every address a browser could load an image from: the original and each rendition."""
    return {image.file.url, *(rendition.file.url for rendition in image.renditions.all())}


def path_of(url):
    return urlparse(url).path


@pytest.fixture
def network_log(page):
    """The paths of every request the page makes, in order."""
    log = []
    page.on("request", lambda request: log.append(path_of(request.url)))
    return log
