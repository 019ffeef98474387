"""Crawl every public page of the demo site as an anonymous reader and prove that no
spoiler reaches a safe surface (<head>, listings, work pages, JSON-LD) or any collapsed
state of an article (summaries, the map, notes, the warnings box) and that no draft
shows anywhere."""

import html
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command

from explainers.models import Article, ContentWarning, Image, Section, Work

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class CollapsedView(HTMLParser):
    """What a reader can perceive before revealing anything: text, attributes that are
    shown or fetched (alt, src, content, href), and JSON-LD. Everything a reveal would
    expose (a spoiler section after its summary, an inline spoiler, a withheld warning
    list, a deferred image) is dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, hides_children)
        self.hidden = 0
        self.in_details = []  # per open <details>: "summary pending", "summary", "body"
        self.out = []
        self.in_head = False
        self.head = []
        self.skip_script = False

    def emit(self, text):
        if self.hidden:
            return
        self.out.append(text)
        if self.in_head:
            self.head.append(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "head":
            self.in_head = True
        hides = False
        if tag == "span" and "spoiler" in classes:
            hides = True
        if tag == "summary" and self.in_details:
            self.in_details[-1] = "summary"
        if tag == "details":
            self.in_details.append("pending")
        if tag == "script":
            self.skip_script = attrs.get("type") != "application/ld+json"
        if not self.hidden:
            # data-part: the shield lists the work's parts as progress choices.
            for name in ("alt", "src", "content", "href", "title", "aria-label", "data-part"):
                if attrs.get(name):
                    self.emit(f" {attrs[name]} ")
        if tag not in VOID:
            self.stack.append((tag, hides))
            if hides:
                self.hidden += 1

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        if tag == "summary" and self.in_details:
            # After a closed <details>' summary comes what only a reveal shows.
            self.in_details[-1] = "body"
            self.hidden += 1
        if tag == "details" and self.in_details and self.in_details.pop() == "body":
            self.hidden -= 1
        if tag == "script":
            self.skip_script = False
        while self.stack:
            open_tag, hides = self.stack.pop()
            if hides:
                self.hidden -= 1
            if open_tag == tag:
                break
        self.emit(" ")

    def handle_data(self, data):
        if not self.skip_script:
            self.emit(data)


def perceived(page_html):
    parser = CollapsedView()
    parser.feed(page_html)
    norm = lambda parts: re.sub(r"\s+", " ", html.unescape("".join(parts)))  # noqa: E731
    return norm(parser.out), norm(parser.head)


def sentences(body_html):
    text = re.sub(r"<[^>]+>", " ", body_html)
    text = re.sub(r"\s+", " ", html.unescape(text))
    # Citation numbers sit between words and punctuation; drop them with their space.
    text = re.sub(r" \d+ (?=[.,;:])", "", text)
    parts = re.split(r"(?<=[.!?])\s+", text)
    return [part.strip() for part in parts if len(part.split()) >= 5]


@pytest.fixture
def demo(db):
    call_command("demo", stdout=StringIO())


def public_urls(client):
    urls = ["/"]
    page = 2
    while client.get(f"/?page={page}").status_code == 200:
        urls.append(f"/?page={page}")
        page += 1
    urls += [article.get_absolute_url() for article in Article.objects.published()]
    urls += [work.get_absolute_url() for work in Work.objects.all()]
    return urls


def spoiler_material():
    """Every piece of text or URL that only a reveal may show, from published articles."""
    material = []
    spoiler_sections = Section.objects.filter(
        article__in=Article.objects.published(), spoiler_level__rank__gt=0
    )
    for section in spoiler_sections:
        material.append(("heading", section.heading))
        material += [("sentence", sentence) for sentence in sentences(section.body_html)]
    for image in Image.objects.filter(spoiler_level__rank__gt=0):
        material += [("image url", image.file.url), ("image alt", image.alt_text)]
        material += [("image rendition", r.file.url) for r in image.renditions.all()]
    for warning in ContentWarning.objects.filter(is_spoiler=True):
        material.append(("withheld warning", warning.name))
    for match in Section.objects.filter(article__in=Article.objects.published()):
        for hidden in re.findall(r"\|\|(.+?)\|\|", match.body):
            if len(hidden.split()) >= 2:
                material.append(("inline spoiler", hidden))
    return material


def test_the_demo_has_spoiler_material_to_hunt_for(demo):
    kinds = {kind for kind, _ in spoiler_material()}
    assert kinds == {
        "heading",
        "sentence",
        "image url",
        "image rendition",
        "image alt",
        "withheld warning",
        "inline spoiler",
    }
    assert len(spoiler_material()) > 60


def test_no_spoiler_reaches_any_public_page_before_a_reveal(client, demo):
    material = spoiler_material()
    checked = 0
    for url in public_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        visible, head = perceived(response.content.decode())
        assert len(visible) > 200, url
        for kind, text in material:
            needle = re.sub(r"\s+", " ", text)
            assert needle not in visible, f"{kind} {text!r} is perceivable on {url}"
            assert needle not in head, f"{kind} {text!r} is in <head> of {url}"
            checked += 1
    assert checked > 500


def test_no_draft_shows_anywhere_public(client, demo):
    drafts = Article.objects.exclude(pk__in=Article.objects.published())
    assert drafts.exists()
    pages = [client.get(url).content.decode() for url in public_urls(client)]
    for draft in drafts:
        assert client.get(draft.get_absolute_url()).status_code == 404
        for page in pages:
            assert draft.title not in html.unescape(page)
            assert draft.get_absolute_url() not in page


def test_the_crawler_does_see_what_a_reveal_shows(client, demo):
    """The collapsed view must not be blind: once the <details> is ignored, the spoiler
    text is there (so the test above can fail)."""
    section = Section.objects.filter(
        article__in=Article.objects.published(), spoiler_level__rank=3
    ).first()
    page = client.get(section.article.get_absolute_url()).content.decode()
    opened = page.replace('<details class="spoiler-gate"', '<div class="spoiler-gate"')
    opened = opened.replace("</details>", "</div>")
    visible, _ = perceived(opened)
    assert section.heading in visible
    assert sentences(section.body_html)[0] in visible


def test_no_spoiler_term_is_perceivable_on_the_demo_site(client, demo):
    from explainers.leaks import fold
    from explainers.models import SpoilerTerm

    terms = list(SpoilerTerm.objects.all())
    assert terms, "the demo should keep spoiler terms"
    for url in public_urls(client):
        visible = fold(perceived(client.get(url).content.decode())[0])[0]
        for term in terms:
            for phrase in [term.phrase, *term.variant_list()]:
                pattern = rf"\b{re.escape(fold(phrase)[0])}\b"
                assert not re.search(pattern, visible), f"{phrase!r} perceivable on {url}"


def test_withheld_warnings_sit_in_an_element_search_engines_keep_out_of_snippets(client, demo):
    article = Article.objects.published().get(slug="the-perfection-ending-explained")
    page = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<div data-nosnippet>\s*<details class="warnings__withheld"', page)
