"""The read API's interactive docs (Swagger UI from django-ninja's own static files) run
under the site's Content Security Policy, and "Try it out" reaches the API."""

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_load_and_run_without_a_csp_violation(demo_site, page):
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{demo_site.url}/api/v1/docs", wait_until="networkidle")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Unspoiled read API" in page.locator(".swagger-ui .info .title").inner_text()
    operation = page.locator("#operations-articles-explainers_api_views_get_article")
    operation.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder='slug']").fill("the-perfection-ending-explained")
    with page.expect_response(lambda r: "/api/v1/articles/the-perfection" in r.url) as answer:
        page.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    page.locator(".responses-wrapper .live-responses-table").wait_for()
    assert problems == []
