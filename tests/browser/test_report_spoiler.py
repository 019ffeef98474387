"""A reader reports an unmarked spoiler from the article page, in a real browser, and a
moderator finds it in the queue."""

import pytest
from django.core.cache import cache

from explainers.models import Article, ReaderReport, Section

pytestmark = pytest.mark.browser


def twist_section():
    return (
        Section.objects.filter(
            article__slug="the-perfection-ending-explained", spoiler_level__rank=2
        )
        .select_related("article")
        .first()
    )


def test_a_reader_reports_a_section_from_the_article_and_is_thanked(demo_site, page):
    cache.clear()
    section = twist_section()
    before = ReaderReport.objects.count()
    page.goto(demo_site.url + section.article.get_absolute_url())
    # The link sits inside the section: the reader opens it, reads, then reports.
    page.locator(f"#{section.anchor} summary").click()
    page.locator(f"#{section.anchor} .report-link a").click()
    assert page.locator("h1").inner_text() == "Report an unmarked spoiler"
    assert section.safe_heading in page.locator(".report__about").inner_text()
    assert section.heading not in page.content()
    page.get_by_label("A heading, title or summary gives something away").check()
    page.get_by_label("Anything to add? (optional)").fill("The heading hints at the <b>bus</b>.")
    page.get_by_role("button", name="Send report").click()
    assert page.locator("h1").inner_text() == "Thank you for your report"
    assert "<b>bus</b>" not in page.content()
    assert ReaderReport.objects.count() == before + 1
    report = ReaderReport.objects.latest("pk")
    assert report.section == section and report.reason == "heading"
    assert report.details == "The heading hints at the <b>bus</b>."


def test_the_honeypot_is_not_visible_and_the_whole_article_can_be_reported(demo_site, page):
    cache.clear()
    article = Article.objects.get(slug="the-perfection-ending-explained")
    page.goto(demo_site.url + article.get_absolute_url())
    page.get_by_role("link", name="Report an unmarked spoiler in this explainer").click()
    assert "About the article as a whole" in page.locator(".report__about").inner_text()
    # Off-screen rather than display:none, which some bots know to skip.
    trap = page.locator("input[name=website]").bounding_box()
    assert trap is None or trap["x"] + trap["width"] <= 0
    # No reason is preset: the reader picks one.
    page.get_by_label("A spoiler is not hidden").check()
    page.get_by_role("button", name="Send report").click()
    assert page.locator("h1").inner_text() == "Thank you for your report"
    assert ReaderReport.objects.filter(article=article, section=None, details="").exists()
