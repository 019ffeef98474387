"""A reader finds explainers through the header's search box and the works index."""

import pytest

pytestmark = pytest.mark.browser


def test_a_reader_searches_from_the_header_and_narrows_by_kind(demo_site, page):
    page.goto(demo_site.url + "/", wait_until="networkidle")
    page.get_by_role("searchbox", name="Search explainers").fill("explained")
    page.get_by_role("button", name="Search", exact=True).first.click()
    page.wait_for_url("**/search/?q=explained")
    titles = page.locator(".result .teaser__title").all_inner_texts()
    assert len(titles) >= 3
    assert page.locator(".search__count").inner_text().endswith("for “explained”")

    page.get_by_label("Kind").select_option("series")
    page.locator(".search-form").get_by_role("button", name="Search").click()
    page.wait_for_url("**kind=series**")
    narrowed = page.locator(".result .teaser__title").all_inner_texts()
    assert 0 < len(narrowed) < len(titles)
    assert page.get_by_label("Kind").input_value() == "series"


def test_works_index_leads_to_a_work_and_on_to_a_person(demo_site, page):
    page.goto(demo_site.url + "/works/", wait_until="networkidle")
    page.get_by_role("link", name="Book", exact=True).click()
    page.wait_for_url("**/works/?kind=book")
    cards = page.locator(".work-card__title").all_inner_texts()
    assert cards == ["Gone Girl"]
    page.get_by_role("link", name="Gone Girl").click()
    page.wait_for_url("**/works/gone-girl/")
    page.get_by_role("link", name="Gillian Flynn").click()
    page.wait_for_url("**/people/gillian-flynn/")
    assert page.get_by_role("heading", level=1).inner_text() == "Gillian Flynn"
    assert page.locator(".teaser").count() >= 1
