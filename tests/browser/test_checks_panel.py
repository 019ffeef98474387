"""The Checks panel on the article form, in a real browser: a leak typed into the dek is
listed before anything is saved, and its link takes the editor to the dek."""

import os

import pytest

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

LEAK = " On the bus, Charlotte cuts off her hand."


@pytest.mark.parametrize("width", [1280, 390])
def test_a_leak_typed_into_the_dek_shows_in_the_panel_before_saving(
    browser, demo_site, django_user_model, width
):
    from explainers.models import Article, AuditEntry

    django_user_model.objects.create_superuser("ada", password="ada-pass", first_name="Ada")
    article = Article.objects.get(slug="the-perfection-ending-explained")
    dek, entries = article.dek, AuditEntry.objects.count()
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", width)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        panel = page.locator("#checks-panel")
        panel.locator(".checks-summary", has_text="No leaks found").wait_for()
        assert "words" in panel.locator(".checks-summary").inner_text()

        page.locator("#id_dek").press("Control+End")
        page.locator("#id_dek").press_sequentially(LEAK, delay=5)
        leak = panel.locator(".checks-leaks a", has_text="cuts off her hand")
        leak.wait_for()
        assert "1 leak" in panel.locator(".checks-summary").inner_text()
        assert panel.locator(".checks-summary").get_attribute("role") == "status"
        shots = os.environ.get("CHECKS_SCREENSHOTS")
        if shots:
            panel.scroll_into_view_if_needed()
            page.screenshot(path=f"{shots}/checks-{width}.png")

        page.locator("#id_title").focus()
        leak.click()
        assert page.evaluate("document.activeElement.id") == "id_dek"

        # Fixing it clears the panel again.
        page.fill("#id_dek", dek)
        panel.locator(".checks-summary", has_text="No leaks found").wait_for()
        article.refresh_from_db()
        assert article.dek == dek  # nothing was saved
        assert AuditEntry.objects.count() == entries
        assert errors == []
    finally:
        context.close()
