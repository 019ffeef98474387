"""The demo's explainer in a real browser: spoilers stay hidden until the reader acts."""

import pytest

from explainers.models import Article, Section

from .conftest import image_paths, path_of

pytestmark = pytest.mark.browser


def ending_section():
    """The demo's strongest section that carries a still: the Ending of The Perfection."""
    return (
        Section.objects.filter(
            article__in=Article.objects.published().filter(work__slug="the-perfection"),
            spoiler_level__rank=3,
            image__isnull=False,
        )
        .select_related("article", "image")
        .first()
    )


def gate(page, section):
    return page.locator(f"#{section.anchor} details.spoiler-gate")


def test_demo_spoiler_text_is_hidden_and_a_click_reveals_it(demo_site, page):
    section = ending_section()
    assert section is not None, "the demo must have an Ending section with a still"
    page.goto(demo_site.url + section.article.get_absolute_url())
    heading = page.locator(f"#{section.anchor} h2.section__heading")
    safe = page.locator(f"#{section.anchor} .spoiler-gate__heading")
    assert safe.is_visible()
    assert safe.inner_text().strip() == section.safe_heading
    assert heading.is_hidden()
    assert page.locator(f"#{section.anchor} .prose").is_hidden()

    page.locator(f"#{section.anchor} summary").click()
    assert heading.is_visible()
    assert heading.inner_text().strip() == section.heading
    assert page.locator(f"#{section.anchor} .prose").is_visible()

    # And it folds away again.
    page.locator(f"#{section.anchor} summary").click()
    assert heading.is_hidden()


def test_keyboard_alone_reveals_a_spoiler_section(demo_site, page):
    section = ending_section()
    page.goto(demo_site.url + section.article.get_absolute_url())
    summary = page.locator(f"#{section.anchor} summary")
    body = page.locator(f"#{section.anchor} .prose")
    summary.focus()
    assert body.is_hidden()
    page.keyboard.press("Enter")
    assert body.is_visible()
    page.keyboard.press("Space")
    assert body.is_hidden()


def test_spoiler_still_is_not_fetched_until_the_section_is_revealed(demo_site, page, network_log):
    section = ending_section()
    image = section.image
    protected = image_paths(image)
    assert len(protected) >= 3, "the original and its WebP and JPEG renditions"
    page.goto(demo_site.url + section.article.get_absolute_url(), wait_until="networkidle")
    # Scrolled through, every lazy image on the page has had its chance to load.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    before = list(network_log)
    assert any(path.startswith("/media/renditions/") for path in before), before
    assert not [path for path in before if path in protected], before
    # All the page holds is the blurred placeholder, inline, and no alt text yet.
    img = page.locator(f"#{section.anchor} figure img")
    assert img.get_attribute("src").startswith("data:image/jpeg;base64,")
    assert img.get_attribute("alt") == ""
    assert img.get_attribute("srcset") is None

    with page.expect_response(lambda response: path_of(response.url) in protected) as still:
        page.locator(f"#{section.anchor} summary").click()
    assert still.value.status == 200
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    after = network_log[len(before) :]
    loaded = [path for path in after if path in protected]
    # One file, the WebP of the size the layout needs; the original is never requested.
    assert len(loaded) == 1 and loaded[0].endswith(".webp"), after
    assert image.file.url not in network_log
    assert path_of(img.evaluate("el => el.currentSrc")) == loaded[0]
    assert img.get_attribute("alt") == image.alt_text
    print("\nbefore reveal:", *before, "\nafter reveal:", *after, sep="\n  ")


def test_without_javascript_details_still_hides_and_reveals(demo_site, page_without_js):
    section = ending_section()
    page = page_without_js
    page.goto(demo_site.url + section.article.get_absolute_url())
    body = page.locator(f"#{section.anchor} .prose")
    assert body.is_hidden()
    page.locator(f"#{section.anchor} summary").click()
    assert body.is_visible()


def test_inline_spoiler_is_a_button_that_reveals_on_click_and_keyboard(demo_site, page):
    article = (
        Article.objects.published()
        .filter(sections__body__contains="||", sections__spoiler_level__rank=0)
        .first()
    )
    assert article is not None, "the demo must use an inline spoiler in a level-0 section"
    page.goto(demo_site.url + article.get_absolute_url())
    spoiler = page.locator("section[data-level='0'] .spoiler").first
    assert spoiler.get_attribute("role") == "button"
    assert spoiler.get_attribute("aria-expanded") == "false"
    # Hidden: the text is drawn transparent on a dark bar.
    assert spoiler.evaluate("el => getComputedStyle(el).color") == "rgba(0, 0, 0, 0)"
    spoiler.click()
    assert spoiler.get_attribute("aria-expanded") == "true"
    assert spoiler.evaluate("el => getComputedStyle(el).color") != "rgba(0, 0, 0, 0)"
    spoiler.focus()
    page.keyboard.press("Enter")
    assert spoiler.get_attribute("aria-expanded") == "false"


def test_a_link_into_a_folded_section_does_not_unfold_it(demo_site, page):
    """Chromium unfolds <details> for a #fragment inside it (and for find-in-page); a
    shared link must not spoil the reader."""
    section = ending_section()
    reference = page.context.new_page()
    reference.goto(demo_site.url + section.article.get_absolute_url())
    inside = reference.locator(f"#{section.anchor} sup.cite").first.get_attribute("id")
    reference.close()
    assert inside, "the demo's Ending section should cite a source"
    page.goto(f"{demo_site.url}{section.article.get_absolute_url()}#{inside}")
    page.wait_for_timeout(300)
    assert page.locator(f"#{section.anchor} .prose").is_hidden()
    assert not gate(page, section).evaluate("el => el.open")
    # The reader can still open it on purpose.
    page.locator(f"#{section.anchor} summary").click()
    assert page.locator(f"#{section.anchor} .prose").is_visible()


def test_without_javascript_inline_spoilers_are_hidden_from_screen_readers_too(
    demo_site, page_without_js
):
    article = (
        Article.objects.published()
        .filter(sections__body__contains="||", sections__spoiler_level__rank=0)
        .first()
    )
    page = page_without_js
    page.goto(demo_site.url + article.get_absolute_url())
    spoiler = page.locator("section[data-level='0'] .spoiler").first
    text = spoiler.locator(".spoiler__text")
    # visibility:hidden takes the text out of the accessibility tree, unlike a colour.
    assert text.evaluate("el => getComputedStyle(el).visibility") == "hidden"
    spoiler.focus()
    assert text.evaluate("el => getComputedStyle(el).visibility") == "visible"


def test_an_ending_still_pasted_into_a_spoiler_free_section_loads_only_when_revealed(
    transactional_db, live_server, make_article, make_image, page, network_log
):
    still = make_image(rank=3, alt="The two women share one cello")
    article = make_article(
        sections=[(0, "Intro", "", f"Before.\n\n![]({still.file.url})\n\nAfter.")]
    )
    protected = image_paths(still)
    page.goto(live_server.url + article.get_absolute_url(), wait_until="networkidle")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    assert not [path for path in network_log if path in protected], network_log

    held = page.locator("section[data-level='0'] .spoiler--held")
    assert held.locator(".spoiler__level").inner_text().strip().lower() == "ending"
    img = held.locator("img")
    assert img.get_attribute("alt") == "" and img.get_attribute("src") is None

    held.click()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    assert [path for path in network_log if path in protected]
    assert img.get_attribute("alt") == still.alt_text
