"""The Content Security Policy forbids inline script; the pages must still work under it.
A real browser reports every violation to the console, so any inline script or handler
that crept in shows up here."""

import pytest

pytestmark = pytest.mark.browser


def test_public_pages_and_the_admin_run_without_a_single_csp_violation(
    browser, demo_site, django_user_model
):
    from explainers.models import Article

    django_user_model.objects.create_superuser("ada", password="ada-pass")
    article = Article.objects.published().get(slug="the-perfection-ending-explained")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        page.goto(f"{demo_site.url}/")
        page.goto(f"{demo_site.url}{article.get_absolute_url()}")
        # The reveal script runs (it is a static file): a spoiler section opens on click.
        section = article.sections.filter(spoiler_level__rank__gt=0).first()
        page.locator(f"#{section.anchor} summary").click()
        page.locator(f"#{section.anchor} h2.section__heading").wait_for(state="visible")
        page.goto(f"{demo_site.url}{article.work.get_absolute_url()}")
        page.goto(f"{demo_site.url}/admin/login/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", "ada-pass")
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        page.wait_for_selector(".markdownx-editor")
        page.goto(f"{demo_site.url}/admin/explainers/article/add/")
        # The slug is filled in by the admin's own script as the title is typed.
        page.locator("#id_title").press_sequentially("A new title")
        assert page.input_value("#id_slug") == "a-new-title"
    finally:
        context.close()
    assert violations == []
