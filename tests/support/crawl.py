"""What an anonymous reader can reach and perceive: the crawl's view of a page with every
spoiler folded, the public URLs it walks, and the spoiler material it hunts for."""

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

from explainers.models import Article, ContentWarning, Image, Person, Section, Work

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


def sentences(body_html):
    text = re.sub(r"<[^>]+>", " ", body_html)
    text = re.sub(r"\s+", " ", html.unescape(text))
    # Citation numbers sit between words and punctuation; drop them with their space.
    text = re.sub(r" \d+ (?=[.,;:])", "", text)
    parts = re.split(r"(?<=[.!?])\s+", text)
    return [part.strip() for part in parts if len(part.split()) >= 5]


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


def perceived(page_html):
    parser = CollapsedView()
    parser.feed(page_html)
    norm = lambda parts: re.sub(r"\s+", " ", html.unescape("".join(parts)))  # noqa: E731
    return norm(parser.out), norm(parser.head)


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


# -- the read API and oEmbed (explainers/api) ---------------------------------------------


def api_paged(client, url):
    """``url`` and every further page of it, by the ``next`` links the API gives."""
    urls = [url]
    for _ in range(50):
        data = client.get(urls[-1]).json()
        following = data.get("next") if isinstance(data, dict) else None
        if not following:
            break
        urls.append(following.removeprefix("http://testserver"))
    return urls


def api_urls(client):
    """Every API answer an anonymous client can get without asking for a reveal."""
    urls = ["/api/v1/", "/api/v1/levels", "/api/v1/openapi.json"]
    urls += api_paged(client, "/api/v1/articles")
    for article in Article.objects.published():
        page = f"http://testserver{article.get_absolute_url()}"
        urls.append(f"/api/v1/articles/{article.slug}")
        urls.append("/api/v1/oembed?" + urlencode({"url": page}))
        urls.append("/api/v1/oembed?" + urlencode({"url": page, "maxwidth": 480}))
    urls += api_paged(client, "/api/v1/works")
    for work in Work.objects.all():
        urls.append(f"/api/v1/works/{work.slug}")
        urls += api_paged(client, f"/api/v1/articles?work={work.slug}")
    urls += [f"/api/v1/articles?kind={kind}" for kind in Work.Kind.values]
    urls += [f"/api/v1/articles?max_level={rank}" for rank in range(4)]
    urls += api_paged(client, "/api/v1/people")
    urls += [f"/api/v1/people/{slug}" for slug in Person.objects.values_list("slug", flat=True)]
    for url in search_urls():
        query = url.split("?", 1)[1].replace("reach=", "max_level=")
        urls += api_paged(client, f"/api/v1/search?{query}")
    return urls


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def api_text(data):
    """Everything an API answer says: each string as given (URLs, HTML) and as the text a
    client would show from it (tags dropped, entities read)."""
    parts = []
    for string in _strings(data):
        parts.append(string)
        shown = re.sub(r"<[^>]+>", " ", string)
        parts.append(re.sub(r"\s+", " ", html.unescape(shown)))
    return "\n".join(parts)
