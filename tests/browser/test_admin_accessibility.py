"""axe-core on the editors' pages (issue 16): the article form and the admin home (the
newsroom desk), signed in as an editor, at a desktop and a phone width. Zero violations of
the rules axe runs by default."""

import pytest

from tests.browser.test_accessibility import violations
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def editor_page(browser, demo_site, role_user):
    from explainers import roles

    roles.sync_roles()  # the groups, which a transactional test's flush removed
    role_user(roles.SENIOR_EDITOR, "sen")
    contexts = []

    def open_at(width):
        context, page = sign_in(browser, demo_site.url, "sen", "pw-for-tests", width)
        contexts.append(context)
        return page

    yield open_at
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_article_form_has_no_axe_violations(demo_site, editor_page, axe, width):
    from explainers.models import Article

    article = Article.objects.get(slug="the-perfection-ending-explained")
    page = editor_page(width)
    page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
    page.locator("#checks-panel .checks-summary").wait_for()
    found = violations(axe, page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_desk_has_no_axe_violations(demo_site, editor_page, axe, width):
    page = editor_page(width)
    page.goto(f"{demo_site.url}/admin/", wait_until="networkidle")
    found = violations(axe, page)
    assert not found, "\n".join(found)
