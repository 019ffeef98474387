"""The spoiler scope (docs/spoiler-scope.md): every spoiler section, held note and spoiler
image says what it spoils, the same way on the page (data attributes), in the JSON-LD, in
the API and in the feeds."""

import json
import re
from xml.etree import ElementTree

import pytest

from explainers.models import Article, Section
from explainers.projection import SCOPE_NAMESPACE

SLUG = "the-perfection-ending-explained"


@pytest.fixture
def article(demo):
    return Article.objects.published().get(slug=SLUG)


def attributes(tag):
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def page_scopes(page):
    """(anchor or tag, work, level, part) of every element carrying a scope."""
    found = []
    for tag in re.findall(r"<[a-z]+\s[^>]*data-spoils-level[^>]*>", page):
        attrs = attributes(tag)
        found.append(
            (
                attrs.get("id", tag[:40]),
                attrs["data-spoils-work"],
                int(attrs["data-spoils-level"]),
                attrs.get("data-spoils-part"),
            )
        )
    return found


def test_every_spoiler_section_on_the_page_carries_its_scope(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    scopes = {anchor: (work, level, part) for anchor, work, level, part in page_scopes(page)}
    for section in article.sections.select_related("spoiler_level", "reveals_through"):
        if not section.is_spoiler:
            assert section.anchor not in scopes
            continue
        part = str(section.reveals_through.position) if section.reveals_through else None
        assert scopes[section.anchor] == ("the-perfection", section.spoiler_level.rank, part)


def test_held_notes_and_spoiler_stills_carry_a_scope_too(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    held_notes = re.findall(r'<span class="spoiler spoiler--held"[^>]*>', page)
    assert held_notes
    for tag in held_notes:
        attrs = attributes(tag)
        assert attrs["data-spoils-work"] == "the-perfection"
        assert attrs["data-spoils-level"] == attrs["data-level"]
    stills = re.findall(r'<figure class="still still--deferred"[^>]*>', page)
    assert stills and all("data-spoils-level=" in still for still in stills)


def test_the_json_ld_lists_each_spoiler_section_with_its_scope(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1)
    )
    assert data["@context"][0] == "https://schema.org"
    assert data["@context"][1]["spoilerScope"]["@type"] == "@json"
    spoilers = Section.objects.filter(article=article, spoiler_level__rank__gt=0)
    assert [part["cssSelector"] for part in data["hasPart"]] == [f"#{s.anchor}" for s in spoilers]
    api = client.get(f"/api/v1/articles/{article.slug}").json()
    api_scopes = {s["anchor"]: s["scope"] for s in api["sections"]}
    for part in data["hasPart"]:
        scope, mine = part["spoilerScope"], api_scopes[part["cssSelector"][1:]]
        assert (scope["work"], scope["level"], scope.get("part")) == (
            mine["work"],
            mine["level"],
            mine["part"],
        )


@pytest.mark.parametrize("url", ["/feed/", "/feed/rss/", "/works/the-perfection/feed/"])
def test_each_feed_entry_carries_the_articles_scope(client, article, url):
    root = ElementTree.fromstring(client.get(url).content)
    scopes = root.findall(f".//{{{SCOPE_NAMESPACE}}}scope")
    links = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link")]
    links += [link.text for link in root.iter("link")]
    assert len(scopes) == len([link for link in links if link and "/articles/" in link])
    mine = next(
        scope
        for scope in scopes
        if scope.get("work") == "the-perfection" and scope.get("level") == "3"
    )
    assert mine.get("level-name") == "Ending"
    # The demo's ending explainer names a part for every spoiler section: the last one.
    assert mine.get("part") == "4" and mine.get("part-label") == "The final chapter"


def test_a_feed_entry_whose_spoilers_name_no_part_gives_none(client, make_article):
    make_article(sections=[(0, "Intro", "", "Plain."), (2, "Twist", "Safe", "A twist.")])
    root = ElementTree.fromstring(client.get("/feed/").content)
    scope = root.find(f".//{{{SCOPE_NAMESPACE}}}scope")
    assert scope.get("level") == "2" and scope.get("part") is None
