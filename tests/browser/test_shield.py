"""The reader's spoiler shield in a real browser: how far to reveal, "I have seen it",
"I am up to <part>", reset and re-hide, content-warning preferences, and the promise
that the page never shows a spoiler before the reader's choice has been applied."""

import datetime
import json
import re

import pytest

from explainers.models import Article, ContentWarning, Section, SpoilerLevel

from .conftest import image_paths, path_of

pytestmark = pytest.mark.browser

WORK = "the-perfection"
STORAGE_KEY = f"unspoiled.shield.{WORK}"
WARNINGS_KEY = "unspoiled.warnings"


def articles_of(work_slug):
    return list(Article.objects.published().filter(work__slug=work_slug).order_by("pk"))


def spoiler_sections(article):
    return list(
        Section.objects.filter(article=article, spoiler_level__rank__gt=0)
        .select_related("spoiler_level", "reveals_through")
        .order_by("order", "pk")
    )


def warning_slugs(section):
    return {warning.slug for warning in section.content_warnings.all()}


def is_open(page, section):
    """Revealed for real: <details> open, content rendered, the button says so."""
    content = page.locator(f"#{section.anchor} .spoiler-gate__content")
    summary = page.locator(f"#{section.anchor} summary")
    opened = page.locator(f"#{section.anchor} details.spoiler-gate").evaluate("el => el.open")
    expanded = summary.get_attribute("aria-expanded") == "true"
    visible = content.is_visible()
    assert opened == expanded == visible, f"{section.anchor}: details, aria and view disagree"
    return visible


def open_anchors(page, article):
    return {s.anchor for s in spoiler_sections(article) if is_open(page, s)}


def anchors(sections):
    return {section.anchor for section in sections}


def shield(page):
    panel = page.locator("[data-shield]")
    assert panel.is_visible()
    return panel


def choose_level(page, name):
    shield(page).get_by_role("radio", name=name, exact=True).check()


def saved(page, key=STORAGE_KEY):
    raw = page.evaluate("key => localStorage.getItem(key)", key)
    return json.loads(raw) if raw else None


@pytest.fixture
def perfection(demo_site):
    ending, interview = (
        Article.objects.published().get(slug="the-perfection-ending-explained"),
        Article.objects.published().get(slug="richard-shepard-on-the-perfection"),
    )
    assert ending.work.slug == interview.work.slug == WORK
    return ending, interview


def visit(page, demo_site, article):
    page.goto(demo_site.url + article.get_absolute_url())


def test_the_shield_shows_the_pages_own_levels_and_starts_at_spoiler_free(
    demo_site, perfection, page
):
    ending, _ = perfection
    visit(page, demo_site, ending)
    panel = shield(page)
    levels = panel.get_by_role("radio")
    names = [levels.nth(i).evaluate("el => el.labels[0].textContent") for i in range(4)]
    assert names == ["Spoiler-free", "Setup", "Twist", "Ending"]
    assert levels.count() == 4
    assert panel.get_by_role("radio", name="Spoiler-free").is_checked()
    assert open_anchors(page, ending) == set()
    assert page.locator("article.explainer").get_attribute("data-work") == WORK
    assert saved(page) is None


def test_tolerance_opens_up_to_the_chosen_level_across_reloads_and_articles(
    demo_site, perfection, page
):
    ending, interview = perfection
    visit(page, demo_site, ending)
    choose_level(page, "Twist")
    within = anchors(s for s in spoiler_sections(ending) if s.spoiler_level.rank <= 2)
    assert {s.spoiler_level.rank for s in spoiler_sections(ending)} == {1, 2, 3}
    assert open_anchors(page, ending) == within
    assert saved(page)["tolerance"] == 2

    page.reload()
    assert open_anchors(page, ending) == within
    assert shield(page).get_by_role("radio", name="Twist").is_checked()

    # The other explainer about the same work follows the same choice...
    visit(page, demo_site, interview)
    assert open_anchors(page, interview) == anchors(
        s for s in spoiler_sections(interview) if s.spoiler_level.rank <= 2
    )
    ending_sections = [s for s in spoiler_sections(interview) if s.spoiler_level.rank == 3]
    assert ending_sections and not any(is_open(page, s) for s in ending_sections)

    # ...and an explainer about another work does not.
    other = Article.objects.published().exclude(work__slug=WORK).first()
    visit(page, demo_site, other)
    assert open_anchors(page, other) == set()
    assert shield(page).get_by_role("radio", name="Spoiler-free").is_checked()


def test_lowering_the_level_folds_what_the_shield_had_opened(demo_site, perfection, page):
    ending, _ = perfection
    visit(page, demo_site, ending)
    choose_level(page, "Ending")
    assert open_anchors(page, ending) == anchors(spoiler_sections(ending))
    choose_level(page, "Setup")
    assert open_anchors(page, ending) == anchors(
        s for s in spoiler_sections(ending) if s.spoiler_level.rank == 1
    )


def test_seen_it_reveals_everything_and_spoiler_stills_then_load(demo_site, perfection, page):
    ending, interview = perfection
    stills = [s for s in spoiler_sections(ending) if s.image_id]
    assert stills, "the demo's explainer should have spoiler stills"
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    visit(page, demo_site, ending)
    page.wait_for_load_state("networkidle")
    paths = [image_paths(section.image) for section in stills]
    assert not [url for url in requested if any(path_of(url) in p for p in paths)]

    shield(page).get_by_label(re.compile("I have seen")).check()
    assert open_anchors(page, ending) == anchors(spoiler_sections(ending))
    assert saved(page)["seen"] is True
    # Inline spoilers open too, and the notes folded at a level (which are not buttons:
    # they open with the sections citing them).
    inline = page.locator(".spoiler")
    assert inline.count() > 0
    for i in range(inline.count()):
        assert "is-revealed" in inline.nth(i).get_attribute("class")
        if inline.nth(i).get_attribute("role") == "button":
            assert inline.nth(i).get_attribute("aria-expanded") == "true"
    # Level and progress no longer apply while "seen it" is on.
    assert shield(page).get_by_role("radio", name="Twist").is_disabled()
    assert page.locator("#shield-progress").is_disabled()
    # The stills load, with their alt text, as the reader scrolls to them.
    for section in stills:
        img = page.locator(f"#{section.anchor} figure img")
        img.scroll_into_view_if_needed()
        page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())
        assert img.get_attribute("alt") == section.image.alt_text
    assert all(any(path_of(url) in p for url in requested) for p in paths)

    visit(page, demo_site, interview)
    assert open_anchors(page, interview) == anchors(spoiler_sections(interview))


def test_a_works_relaxed_default_applies_until_the_reader_chooses(
    demo_site, perfection, page, settings
):
    """Past its spoiler window a work may open up to a level by default (same HTML for
    everyone, applied in the browser); the reader's own level wins, and reset returns
    to the default."""
    ending, _ = perfection
    settings.SPOILER_WINDOW_DAYS = 30
    work = ending.work
    work.release_date = datetime.date(2019, 5, 24)
    work.relaxed_tolerance = SpoilerLevel.objects.get(rank=1)
    work.save()
    setup = anchors(s for s in spoiler_sections(ending) if s.spoiler_level.rank == 1)

    visit(page, demo_site, ending)
    assert page.locator("article.explainer").get_attribute("data-default-tolerance") == "1"
    assert open_anchors(page, ending) == setup
    assert shield(page).get_by_role("radio", name="Setup").is_checked()
    assert saved(page) is None

    choose_level(page, "Spoiler-free")
    assert open_anchors(page, ending) == set()
    page.reload()
    assert open_anchors(page, ending) == set()

    shield(page).get_by_role("button", name="Reset").click()
    assert open_anchors(page, ending) == setup
    assert saved(page) is None


def test_progress_keeps_later_parts_folded_whatever_their_level(demo_site, perfection, page):
    ending, interview = perfection
    visit(page, demo_site, ending)
    choose_level(page, "Ending")
    page.locator("#shield-progress").select_option(label="The trip")
    trip = ending.work.parts.get(label="The trip").position
    sections = spoiler_sections(ending)
    later = [s for s in sections if s.reveals_through and s.reveals_through.position > trip]
    assert later, "the demo should have sections about parts after the trip"
    expected = anchors(
        s for s in sections if s.reveals_through and s.reveals_through.position <= trip
    )
    assert open_anchors(page, ending) == expected
    assert saved(page)["progress"] == trip
    status = shield(page).locator("[data-shield-status]").inner_text()
    assert f"{len(later)} sections stay folded" in status and "The trip" in status

    page.reload()
    assert open_anchors(page, ending) == expected
    visit(page, demo_site, interview)
    assert open_anchors(page, interview) == anchors(
        s
        for s in spoiler_sections(interview)
        if s.reveals_through and s.reveals_through.position <= trip
    )
    assert page.locator("#shield-progress").evaluate("el => el.selectedOptions[0].text") == (
        "The trip"
    )

    # The reader may still open a later section by hand.
    visit(page, demo_site, ending)
    page.locator(f"#{later[0].anchor} summary").click()
    assert is_open(page, later[0])


def test_reset_forgets_the_choice_and_folds_everything(demo_site, perfection, page):
    ending, interview = perfection
    visit(page, demo_site, ending)
    choose_level(page, "Ending")
    shield(page).get_by_label(re.compile("I have seen")).check()
    assert open_anchors(page, ending) == anchors(spoiler_sections(ending))

    shield(page).get_by_role("button", name="Reset").click()
    assert open_anchors(page, ending) == set()
    assert page.locator(".spoiler[aria-expanded='true']").count() == 0
    assert saved(page) is None
    assert shield(page).get_by_role("radio", name="Spoiler-free").is_checked()
    assert not shield(page).get_by_label(re.compile("I have seen")).is_checked()

    page.reload()
    assert open_anchors(page, ending) == set()
    visit(page, demo_site, interview)
    assert open_anchors(page, interview) == set()


def test_a_section_the_shield_opened_can_be_hidden_again(demo_site, perfection, page):
    ending, _ = perfection
    visit(page, demo_site, ending)
    choose_level(page, "Setup")
    setup = next(s for s in spoiler_sections(ending) if s.spoiler_level.rank == 1)
    assert is_open(page, setup)

    page.locator(f"#{setup.anchor} summary").click()
    assert not is_open(page, setup)
    assert page.locator(f"#{setup.anchor} .prose").is_hidden()
    # Folding one section by hand changes no setting...
    assert saved(page)["tolerance"] == 1
    # ...and the keyboard opens it again.
    page.locator(f"#{setup.anchor} summary").focus()
    page.keyboard.press("Enter")
    assert is_open(page, setup)


def test_without_javascript_preferences_are_irrelevant_and_details_still_work(
    demo_site, perfection, browser
):
    ending, _ = perfection
    storage = {
        "origins": [
            {
                "origin": demo_site.url,
                "localStorage": [
                    {"name": STORAGE_KEY, "value": json.dumps({"seen": True, "tolerance": 3})}
                ],
            }
        ]
    }
    context = browser.new_context(
        java_script_enabled=False, storage_state=storage, viewport={"width": 1200, "height": 900}
    )
    try:
        page = context.new_page()
        visit(page, demo_site, ending)
        assert page.locator("[data-shield]").is_hidden()
        sections = spoiler_sections(ending)
        for section in sections:
            assert page.locator(f"#{section.anchor} .prose").is_hidden()
        target = sections[-1]
        page.locator(f"#{target.anchor} summary").click()
        assert page.locator(f"#{target.anchor} .prose").is_visible()
        page.locator(f"#{target.anchor} summary").click()
        assert page.locator(f"#{target.anchor} .prose").is_hidden()
    finally:
        context.close()


# Runs before any of the page's own scripts: notes every spoiler section that was ever
# open, and, on every frame painted until the load event, any spoiler content on screen
# (an inline spoiler as "inline", one folded at a level, a note, as "held-<level>").
WATCH_FOR_SPOILERS = """
window.__opened = new Set();
window.__painted = new Set();
new MutationObserver((records) => {
  for (const record of records) {
    const el = record.target;
    if (el.matches && el.matches("details.spoiler-gate") && el.open) {
      window.__opened.add(el.closest("section").id);
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["open"] });
function look() {
  document.querySelectorAll(".spoiler-gate__content").forEach((content) => {
    if (content.checkVisibility()) window.__painted.add(content.closest("section").id);
  });
  document.querySelectorAll(".spoiler").forEach((span) => {
    if (getComputedStyle(span).color !== "rgba(0, 0, 0, 0)") {
      window.__painted.add(span.dataset.level ? "held-" + span.dataset.level : "inline");
    }
  });
  if (!window.__loaded) requestAnimationFrame(look);
}
requestAnimationFrame(look);
document.addEventListener("DOMContentLoaded", look);
window.addEventListener("load", () => { look(); window.__loaded = true; });
"""


def seen_during_load(page):
    return set(page.evaluate("[...window.__opened]")) | set(page.evaluate("[...window.__painted]"))


def test_no_spoiler_is_shown_before_the_shield_has_decided(demo_site, perfection, page):
    ending, _ = perfection
    url = demo_site.url + ending.get_absolute_url()

    # The served HTML is the same for everyone and has every section folded.
    served = page.request.get(url).text()
    gates = re.findall(r"<details[^>]*class=\"spoiler-gate\"[^>]*>", served)
    assert len(gates) == len(spoiler_sections(ending))
    assert not [gate for gate in gates if re.search(r"\bopen\b", gate)]
    assert "<details open" not in served

    # A reader who chose Spoiler-free sees nothing at any moment of the load.
    page.goto(url)
    page.evaluate("key => localStorage.setItem(key, JSON.stringify({tolerance: 0}))", STORAGE_KEY)
    page.add_init_script(WATCH_FOR_SPOILERS)
    page.reload(wait_until="load")
    page.wait_for_function("window.__loaded === true")
    assert seen_during_load(page) == set()
    assert open_anchors(page, ending) == set()

    # One who chose Twist never sees an Ending section, not even for a frame.
    page.evaluate("key => localStorage.setItem(key, JSON.stringify({tolerance: 2}))", STORAGE_KEY)
    page.reload(wait_until="load")
    page.wait_for_function("window.__loaded === true")
    within = anchors(s for s in spoiler_sections(ending) if s.spoiler_level.rank <= 2)
    # Notes folded at Setup or Twist open with that shield; an Ending one never shows.
    assert seen_during_load(page) <= within | {"held-1", "held-2"}
    assert "held-3" not in seen_during_load(page)
    assert open_anchors(page, ending) == within


def test_spoiler_warnings_stay_a_count_unless_the_reader_asks_for_them_in_full(
    demo_site, perfection, page
):
    ending, _ = perfection
    withheld = ContentWarning.objects.filter(is_spoiler=True, sections__article=ending).distinct()
    names = [warning.name for warning in withheld]
    assert names
    visit(page, demo_site, ending)
    box = page.locator("section.warnings")
    summaries = page.locator(".spoiler-gate__summary")
    for name in names:
        assert box.get_by_text(name, exact=True).is_hidden()
        assert name.lower() not in " ".join(summaries.all_inner_texts()).lower()
    # Not offered for flagging while they are withheld.
    shield(page).get_by_role("button", name="Content warning preferences").click()
    flaggable = shield(page).locator("[data-shield-sensitivities]").inner_text()
    assert not any(name in flaggable for name in names)

    shield(page).get_by_label(re.compile("Always show content warnings in full")).check()
    for name in names:
        assert box.get_by_text(name, exact=True).is_visible()
    drugging = next(s for s in spoiler_sections(ending) if "drugging" in warning_slugs(s))
    line = page.locator(f"#{drugging.anchor} .spoiler-gate__summary .section-warnings")
    assert "drugging" in line.inner_text()
    assert saved(page, WARNINGS_KEY)["full"] is True

    # Remembered, on any work.
    other = Article.objects.published().exclude(work__slug=WORK).first()
    visit(page, demo_site, other)
    visit(page, demo_site, ending)
    for name in names:
        assert box.get_by_text(name, exact=True).is_visible()
    assert "drugging" in line.inner_text()

    shield(page).get_by_role("button", name="Content warning preferences").click()
    shield(page).get_by_label(re.compile("Always show content warnings in full")).uncheck()
    for name in names:
        assert box.get_by_text(name, exact=True).is_hidden()
    assert "drugging" not in line.inner_text()


def test_flagged_warnings_are_shown_prominently_wherever_they_appear(demo_site, perfection, page):
    ending, _ = perfection
    violence = ContentWarning.objects.get(slug="graphic-violence")
    visit(page, demo_site, ending)
    banner = page.locator("[data-flagged]")
    assert banner.is_hidden()
    shield(page).get_by_role("button", name="Content warning preferences").click()
    shield(page).get_by_label(violence.name, exact=True).check()
    assert saved(page, WARNINGS_KEY)["flagged"] == {violence.slug: violence.name}

    affected = [s for s in spoiler_sections(ending) if violence.slug in warning_slugs(s)]
    assert affected
    assert banner.is_visible()
    assert violence.name in banner.inner_text()
    for section in affected:
        # Named on the gate, linked from the banner under the section's safe heading.
        chip = page.locator(f"#{section.anchor} summary .flag-chip")
        assert chip.is_visible() and violence.name in chip.inner_text()
        link = banner.locator(f"a[href='#{section.anchor}']")
        assert link.inner_text() == section.safe_heading
    assert page.locator(".flag-chip").count() == len(affected)

    # Remembered on an explainer about another work that carries the same warning.
    other = (
        Article.objects.published()
        .exclude(work__slug=WORK)
        .filter(sections__content_warnings=violence)
        .first()
    )
    visit(page, demo_site, other)
    assert page.locator("[data-flagged]").is_visible()
    assert page.locator(".flag-chip").count() >= 1
    # A page without it shows no banner.
    clean = Article.objects.published().exclude(sections__content_warnings=violence).first()
    if clean:
        visit(page, demo_site, clean)
        assert page.locator("[data-flagged]").is_hidden()


def test_reveal_controls_are_buttons_that_say_what_they_control(demo_site, perfection, page):
    ending, _ = perfection
    visit(page, demo_site, ending)
    for section in spoiler_sections(ending):
        summary = page.locator(f"#{section.anchor} summary")
        content = page.locator(f"#{section.anchor} .spoiler-gate__content")
        controls = summary.get_attribute("aria-controls")
        assert controls and content.get_attribute("id") == controls
        assert summary.get_attribute("aria-expanded") == "false"
        # Folded content is hidden outright: not read, not searchable, nothing to focus.
        assert content.get_attribute("hidden") is not None
        links = page.locator(f"#{section.anchor} .spoiler-gate__content a")
        for i in range(links.count()):
            assert not links.nth(i).evaluate("el => el.checkVisibility()")
    # Tabbing from the top of the article never lands inside folded content.
    page.locator(".explainer__title").click()
    for _ in range(60):
        page.keyboard.press("Tab")
        inside = page.evaluate("() => !!document.activeElement.closest('.spoiler-gate__content')")
        assert not inside

    section = spoiler_sections(ending)[0]
    page.locator(f"#{section.anchor} summary").click()
    texts = page.locator(f"#{section.anchor} .spoiler-gate__content .visually-hidden")
    assert texts.first.inner_text().startswith("Spoiler starts")
    assert texts.last.inner_text() == "Spoiler ends."

    inline = page.locator(".spoiler").first
    target = inline.get_attribute("aria-controls")
    assert target and inline.locator(f"#{target}").count() == 1
    assert inline.get_attribute("aria-label") == "Hidden spoiler. Activate to reveal."
    inline.click()
    assert inline.get_attribute("aria-expanded") == "true"
    spoken = inline.evaluate("el => el.textContent")
    assert spoken.startswith("Spoiler: ") and spoken.endswith("(end of spoiler)")


def test_with_progress_set_a_spoiler_section_without_a_part_stays_folded(
    demo_site, perfection, page
):
    ending, _ = perfection
    twist = next(s for s in spoiler_sections(ending) if s.spoiler_level.rank == 2)
    twist.reveals_through = None
    twist.save()  # (through the model: the stored page is told)
    visit(page, demo_site, ending)
    choose_level(page, "Ending")
    assert is_open(page, twist)
    page.locator("#shield-progress").select_option(label="Back at the academy")
    # It may cover the finale: nobody recorded which part it goes up to.
    assert not is_open(page, twist)


def test_reset_also_takes_back_showing_warnings_in_full(demo_site, perfection, page):
    ending, _ = perfection
    visit(page, demo_site, ending)
    shield(page).get_by_role("button", name="Content warning preferences").click()
    shield(page).get_by_label(re.compile("Always show content warnings in full")).check()
    assert saved(page, WARNINGS_KEY)["full"] is True
    shield(page).get_by_role("button", name="Reset").click()
    assert saved(page, WARNINGS_KEY) is None
    withheld = ContentWarning.objects.filter(is_spoiler=True, sections__article=ending).first()
    assert page.locator("section.warnings").get_by_text(withheld.name, exact=True).is_hidden()


def test_the_progress_picker_offers_every_part_of_the_work(demo_site, perfection, page):
    _, interview = perfection
    visit(page, demo_site, interview)
    offered = page.locator("#shield-progress option").all_inner_texts()
    labels = list(interview.work.parts.order_by("position").values_list("label", flat=True))
    assert offered[1:] == labels


def test_a_saved_level_missing_here_can_still_be_lowered_to_the_one_shown(
    demo_site, perfection, page
):
    ending, _ = perfection
    visit(page, demo_site, ending)
    page.evaluate(
        "key => localStorage.setItem(key, JSON.stringify({tolerance: 5, progress: null, "
        "progressLabel: '', seen: false}))",
        STORAGE_KEY,
    )
    page.reload()
    assert shield(page).get_by_role("radio", name="Ending", exact=True).is_checked()
    shield(page).get_by_role("radio", name="Ending", exact=True).click()
    assert saved(page)["tolerance"] == 3


def test_a_note_cited_from_an_ending_section_names_its_level_and_opens_only_with_it(
    demo_site, perfection, page
):
    from explainers.models import Citation

    ending_article = perfection[0]
    citation = Citation.objects.filter(article=ending_article, spoiler_rank=3).first()
    assert citation is not None, "the demo must cite a note from an Ending section"
    visit(page, demo_site, ending_article)
    held = page.locator(f"#note-{citation.number} .spoiler--held[data-level='3']").first
    label = held.locator(".spoiler__level")
    assert label.is_visible() and label.inner_text().strip().lower() == "ending"
    assert held.get_attribute("role") == "note"

    # One click on the bar does not open it.
    held.click()
    assert "is-revealed" not in (held.get_attribute("class") or "")

    # Revealing the section citing it does; folding the section folds it again.
    anchor = held.get_attribute("data-opens-with").split()[0]
    page.locator(f"#{anchor} summary").click()
    assert "is-revealed" in held.get_attribute("class")
    page.locator(f"#{anchor} summary").click()
    assert "is-revealed" not in held.get_attribute("class")

    # A Setup shield leaves it folded; an Ending one opens it.
    choose_level(page, "Setup")
    assert "is-revealed" not in held.get_attribute("class")
    choose_level(page, "Ending")
    assert "is-revealed" in held.get_attribute("class")
