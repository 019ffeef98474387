"""axe-core (from the axe-playwright-python package, no CDN) on the demo site's pages, in
the states a reader sees them: zero violations of any rule axe runs by default (WCAG A
and AA, colour contrast included, and best practices)."""

import json

import pytest

from explainers.models import Article, Work

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("axe-playwright-python is not installed: pip install -e '.[test]'")
    return Axe()


def violations(axe, page):
    results = axe.run(page)
    found = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]


def explainer():
    return Article.objects.published().get(slug="the-perfection-ending-explained")


def test_home_page_has_no_axe_violations(demo_site, page, axe):
    page.goto(demo_site.url + "/", wait_until="networkidle")
    assert violations(axe, page) == []


def test_work_page_has_no_axe_violations(demo_site, page, axe):
    work = Work.objects.get(slug="the-perfection")
    page.goto(demo_site.url + work.get_absolute_url(), wait_until="networkidle")
    assert violations(axe, page) == []


@pytest.mark.parametrize("width", [1200, 390])
def test_article_collapsed_has_no_axe_violations(demo_site, browser, axe, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(demo_site.url + explainer().get_absolute_url(), wait_until="networkidle")
        assert page.locator("[data-shield]").is_visible()
        assert page.locator("details.spoiler-gate[open]").count() == 0
        assert violations(axe, page) == []
    finally:
        context.close()


def test_article_fully_revealed_has_no_axe_violations(demo_site, page, axe):
    """Everything a reader can open: every section and inline spoiler, the withheld
    warnings, a flagged warning on the page and the shield's warning preferences."""
    article = explainer()
    page.goto(demo_site.url + article.get_absolute_url())
    page.evaluate(
        """([work, prefs, warnings]) => {
            localStorage.setItem("unspoiled.shield." + work, prefs);
            localStorage.setItem("unspoiled.warnings", warnings);
        }""",
        [
            article.work.slug,
            json.dumps({"seen": True}),
            json.dumps({"full": True, "flagged": {"graphic-violence": "Graphic violence"}}),
        ],
    )
    page.reload(wait_until="networkidle")
    page.get_by_role("button", name="Content warning preferences").click()
    gates = page.locator("details.spoiler-gate")
    assert gates.count() > 0
    assert page.locator("details.spoiler-gate[open]").count() == gates.count()
    assert page.locator(".spoiler[aria-expanded='false']").count() == 0
    assert page.locator("[data-flagged]").is_visible()
    assert page.locator(".warnings__withheld").evaluate("el => el.open")
    # Every still loaded, so axe sees the page as the reader does.
    for img in page.locator(".spoiler-gate__content figure img").all():
        img.scroll_into_view_if_needed()
        page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    assert violations(axe, page) == []


@pytest.mark.parametrize(
    "path",
    ["/works/", "/works/?sort=newest", "/people/allison-williams/", "/search/?q=cello", "/search/"],
)
def test_discovery_pages_have_no_axe_violations(demo_site, page, axe, path):
    page.goto(demo_site.url + path, wait_until="networkidle")
    assert violations(axe, page) == []
