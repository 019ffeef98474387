"""Crawl every public page of the demo site as an anonymous reader and prove that no
spoiler reaches a safe surface (<head>, listings, work pages, JSON-LD) or any collapsed
state of an article (summaries, the map, notes, the warnings box) and that no draft
shows anywhere."""

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from explainers.models import Article, ContentWarning, Image, Person, Section, Work

from .support.demo import load_demo

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
    load_demo()


def paged(client, url):
    """``url`` and each further page of it."""
    urls = [url]
    joiner = "&" if "?" in url else "?"
    for number in range(2, 50):
        response = client.get(f"{url}{joiner}page={number}")
        page = (response.context or {}).get("page_obj") if response.status_code == 200 else None
        # Lists answer a page past the end with 404; search lands it on the last page.
        if page is None or page.number != number:
            break
        urls.append(f"{url}{joiner}page={number}")
    return urls


def search_urls():
    """Result pages for what readers type: titles, names, common words, and filters."""
    queries = ["ending", "explained", "cello", "twist", "director", "the ending", '"ending"']
    queries += [work.title for work in Work.objects.all()]
    queries += list(Person.objects.values_list("name", flat=True))
    urls = ["/search/?" + urlencode({"q": query}) for query in queries]
    urls += ["/search/?" + urlencode({"work": work.slug}) for work in Work.objects.all()]
    urls += ["/search/?" + urlencode({"kind": kind}) for kind in Work.Kind.values]
    urls += [f"/search/?reach={rank}" for rank in range(4)]
    urls += ["/search/?q=explained&reach=0", "/search/?q=ending&kind=film"]
    return urls


def public_urls(client):
    urls = paged(client, "/")
    urls += [article.get_absolute_url() for article in Article.objects.published()]
    for work in Work.objects.all():
        urls += paged(client, work.get_absolute_url())
        urls += [f"/works/{work.slug}/feed/", f"/works/{work.slug}/feed/rss/"]
    urls += paged(client, "/works/") + paged(client, "/works/?sort=newest")
    urls += [f"/works/?kind={kind}" for kind in Work.Kind.values]
    for person in Person.objects.all():
        urls += paged(client, person.get_absolute_url())
    urls += ["/feed/", "/feed/rss/", "/sitemap.xml", "/robots.txt"]
    for url in search_urls():
        urls += paged(client, url)
    return urls


# Doors that are not HTML pages: short by nature, so not held to a minimum length.
NOT_HTML = ("/feed/", "/feed/rss/", "/sitemap.xml", "/robots.txt")


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
        assert len(visible) > 200 or url.endswith(NOT_HTML), url
        for kind, text in material:
            needle = re.sub(r"\s+", " ", text)
            assert needle not in visible, f"{kind} {text!r} is perceivable on {url}"
            assert needle not in head, f"{kind} {text!r} is in <head> of {url}"
            checked += 1
    assert checked > 500


def test_the_crawl_reaches_every_door(client, demo):
    urls = public_urls(client)
    for door in ("/feed/", "/feed/rss/", "/sitemap.xml", "/robots.txt", "/works/"):
        assert door in urls
    assert any(url.startswith("/people/") for url in urls)
    assert any(url.endswith("/feed/rss/") and url.startswith("/works/") for url in urls)
    searches = [url for url in urls if url.startswith("/search/")]
    with_results = [url for url in searches if client.get(url).context["page_obj"]]
    assert len(with_results) > 20
    assert any(client.get(url).context["page_obj"].results for url in with_results)
    sitemap = client.get("/sitemap.xml").content.decode()
    assert all(f"http://testserver{url}</loc>" in sitemap for url in urls if "/articles/" in url)


def test_no_draft_shows_anywhere_public(client, demo):
    drafts = Article.objects.exclude(pk__in=Article.objects.published())
    assert drafts.exists()
    pages = [client.get(url).content.decode() for url in public_urls(client)]
    for draft in drafts:
        assert client.get(draft.get_absolute_url()).status_code == 404
        for page in pages:
            assert draft.title not in html.unescape(page)
            assert draft.get_absolute_url() not in page
        # Searching for the draft by its own title and dek finds other articles at most.
        for query in (draft.title, draft.dek[:120], f'"{draft.title}"'):
            page = client.get("/search/", {"q": query}).context["page_obj"]
            assert draft.title not in [result.teaser.title for result in page.results]
            for number in range(2, page.paginator.num_pages + 1):
                more = client.get("/search/", {"q": query, "page": number}).context["page_obj"]
                assert draft.title not in [result.teaser.title for result in more.results]


def search_forms(text):
    """What search matches a text by: PostgreSQL's stemmed lexemes, or on SQLite (which
    matches substrings) the text itself."""
    from django.db import connection

    from explainers.search import CONFIG

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))", [CONFIG, text])
        return set(cursor.fetchone()[0])


def test_a_search_for_spoiler_text_finds_nothing(client, demo):
    """Spoiler text is not searchable at all: a result would confirm the guess.

    A spoiler sentence shares common words with safe text, so we search with the words
    of it that no reader can see anywhere without revealing something: not even their
    stem (PostgreSQL stems) or inside another word (SQLite matches substrings)."""
    from explainers.models import SpoilerTerm

    seen = " ".join(
        perceived(client.get(url).content.decode())[0].lower()
        for url in public_urls(client)
        if not url.startswith("/search/")
    )
    material = [text for kind, text in spoiler_material() if kind in ("heading", "sentence")]
    material += list(SpoilerTerm.objects.values_list("phrase", flat=True))
    seen_forms = search_forms(seen)

    def unseen(word):
        if seen_forms is None:
            return word not in seen
        return not (search_forms(word) & seen_forms)

    searched = 0
    for text in material:
        words = set(re.findall(r"\w{4,}", text.lower()))
        for word in sorted(w for w in words if unseen(w)):
            page = client.get("/search/", {"q": word}).context["page_obj"]
            assert not page.results, f"{word!r} (from {text!r}) finds an explainer"
            searched += 1
    assert searched > 20


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
