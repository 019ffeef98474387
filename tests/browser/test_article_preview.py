"""The article form in a real browser: the preview beside it is the reader's page (a
section's HTML in the preview equals its HTML on the published page, inline spoilers and
notes included), the form fits 1,280 and 390 px windows without scrolling sideways, and
the errors listed at the top take the editor to their fields."""

import os

import pytest

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

SLUG = "the-perfection-ending-explained"
ADDED = " ||Only the bow remains hers.|| The director says so [@shepard-interview]."


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_superuser(
        "ada", password="ada-pass", first_name="Ada", last_name="Quinn"
    )


def errors_of(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    return errors


def overflow(page):
    return page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )


def test_a_sections_preview_equals_its_html_on_the_readers_page_after_publishing(
    browser, demo_site, ada
):
    from explainers.models import Article

    article = Article.objects.get(slug=SLUG)
    spoiler_free = article.sections.filter(spoiler_level__rank=0).order_by("order").first()
    spoiler = article.sections.filter(spoiler_level__rank__gt=0).order_by("order").last()
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", 1280)
    errors = errors_of(page)
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        frame = page.frame_locator("#preview-panel iframe")
        frame.locator(f"#{spoiler_free.anchor}").wait_for(state="attached")
        forms = page.locator(".inline-related.has_original")
        rows = [forms.nth(i).get_attribute("id") for i in range(forms.count())]
        for section in (spoiler_free, spoiler):
            index = [s.pk for s in article.sections.order_by("order", "id")].index(section.pk)
            body = page.locator(f"#id_{rows[index]}-body")
            body.press("Control+End")
            body.press_sequentially(ADDED, delay=2)
        # The preview follows the typing: the new inline spoiler, covered, with its note.
        added = frame.locator(f"#{spoiler_free.anchor} .spoiler", has_text="Only the bow")
        added.wait_for(state="attached")
        assert "[shepard-interview]" not in frame.locator("body").inner_text()
        preview = {
            section.anchor: frame.locator(f"#{section.anchor}").evaluate("n => n.outerHTML")
            for section in (spoiler_free, spoiler)
        }
        notes = frame.locator("section.notes").evaluate("n => n.outerHTML")
        # Hidden until clicked, as on the reader's page.
        assert added.get_attribute("aria-expanded") == "false"
        added.press("Enter")
        assert added.get_attribute("aria-expanded") == "true"
        # Folded behind its safe heading until the reader opens it.
        gate = frame.locator(f"#{spoiler.anchor} details.spoiler-gate")
        assert gate.get_attribute("open") is None
        assert spoiler.safe_heading in gate.locator("summary").inner_text()
        shots = os.environ.get("PREVIEW_SCREENSHOTS")
        if shots:
            page.screenshot(path=f"{shots}/preview-1280.png")

        page.select_option("#id_status", "published")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist")
        article.refresh_from_db()
        assert (
            article.is_published()
            and "Only the bow" in article.sections.get(pk=spoiler_free.pk).body
        )

        reader = context.new_page()
        reader.goto(f"{demo_site.url}/articles/{SLUG}/")
        for anchor, html in preview.items():
            assert reader.locator(f"#{anchor}").evaluate("n => n.outerHTML") == html
        assert reader.locator("section.notes").evaluate("n => n.outerHTML") == notes
        assert errors == []
    finally:
        context.close()


def test_read_as_a_reader_who_chose_the_highest_level_opens_every_section(browser, demo_site, ada):
    from explainers.models import Article

    article = Article.objects.get(slug=SLUG)
    spoiler = article.sections.filter(spoiler_level__rank__gt=0).order_by("order").last()
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", 1280)
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        frame = page.frame_locator("#preview-panel iframe")
        gate = frame.locator(f"#{spoiler.anchor} details.spoiler-gate")
        gate.wait_for(state="attached")
        assert gate.get_attribute("open") is None
        page.select_option("#preview-read-as", f"level:{spoiler.spoiler_level.rank}")
        frame.locator(f"#{spoiler.anchor} details.spoiler-gate[open]").wait_for(state="attached")
        assert frame.locator(f"#{spoiler.anchor} .section__heading").is_visible()

        page.select_option("#preview-read-as", "search")
        frame.locator(".serp").wait_for()
        text = frame.locator("body").inner_text()
        assert article.dek in text
        assert spoiler.heading not in text
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_article_form_does_not_scroll_sideways(browser, demo_site, ada, width):
    from explainers.models import Article

    article = Article.objects.get(slug=SLUG)
    assert article.sections.count() >= 5 and article.citations.count() >= 5
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", width)
    errors = errors_of(page)
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        page.locator("#checks-panel .checks-summary", has_text="words").wait_for()
        if width < 1200:
            toggle = page.locator(".preview-panel__toggle")
            assert toggle.get_attribute("aria-expanded") == "false"
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
        frame = page.frame_locator("#preview-panel iframe")
        frame.locator("article.explainer").wait_for(state="attached")
        page.locator("#preview-panel iframe").scroll_into_view_if_needed()
        scroll, client = overflow(page)
        assert scroll <= client, f"the form is {scroll} px wide in a {client} px window"
        # The citations' last field and the Save button are within the window.
        quotation = page.locator("[id$='-quotation']").first.bounding_box()
        assert quotation["x"] + quotation["width"] <= client
        delete = page.locator("#citations-group .inline-deletelink, #citations-group .delete")
        if delete.count():
            box = delete.first.bounding_box()
            assert box is None or box["x"] + box["width"] <= client
        if width >= 1200:
            form = page.locator("#article_form fieldset.module").first.bounding_box()
            panel = page.locator("#preview-panel").bounding_box()
            assert panel["x"] >= form["x"] + form["width"]  # beside the form
        shots = os.environ.get("PREVIEW_SCREENSHOTS")
        if shots:
            page.screenshot(path=f"{shots}/form-{width}.png")
        assert errors == []
    finally:
        context.close()


def test_the_error_list_at_the_top_takes_the_editor_to_each_field(browser, demo_site, ada):
    from explainers.models import Article

    article = Article.objects.get(slug=SLUG)
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", 390)
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/{article.pk}/change/")
        page.fill("#id_title", "")
        spoiler_row = page.locator(".inline-related.has_original").nth(2).get_attribute("id")
        page.fill(f"#id_{spoiler_row}-safe_heading", "")
        page.click("input[name=_continue]")
        summary = page.locator("#error-summary")
        summary.wait_for()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        summary.locator("a[href='#id_title']").click()
        assert page.evaluate("document.activeElement.id") == "id_title"
        summary.locator(f"a[href='#id_{spoiler_row}-safe_heading']").click()
        assert page.evaluate("document.activeElement.id") == f"id_{spoiler_row}-safe_heading"
        scroll, client = overflow(page)
        assert scroll <= client
        article.refresh_from_db()
        assert article.title  # nothing was saved
    finally:
        context.close()


def test_the_add_form_starts_at_the_title_and_previews_once_a_work_is_chosen(
    browser, demo_site, ada
):
    context, page = sign_in(browser, demo_site.url, "ada", "ada-pass", 1280)
    requests = []
    page.on("request", lambda r: r.url.endswith("/preview/") and requests.append(r.url))
    try:
        page.goto(f"{demo_site.url}/admin/explainers/article/add/")
        status = page.locator(".preview-panel__status")
        status.filter(has_text="Choose the work").wait_for()
        assert page.evaluate("document.activeElement.id") == "id_title"
        assert requests == []
    finally:
        context.close()
