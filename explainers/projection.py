"""The spoiler-safe projection: everything shown outside an article body comes from here.

Listings, the page's <head>, link previews, the work page's teasers and the article's
collapsed states take their text and images from these functions, which only ever hand
out level-0 material. A door to the public never reads spoiler fields off the models.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class SafeImage:
    url: str  # the largest hero-shaped fallback file: link previews and JSON-LD
    alt: str
    width: int | None
    height: int | None
    credit: str
    caption: str
    picture: object = None  # the image in its own shape (``Picture``)
    hero: object = None  # cropped around the focal point for the top of an article
    teaser: object = None  # cropped for listings


@dataclass(frozen=True)
class SafeArticle:
    title: str
    dek: str
    url: str
    work_title: str
    work_url: str
    work_kind: str
    published_at: datetime | None
    image: SafeImage | None

    @property
    def description(self):
        return self.dek


def safe_image(image):
    """The image, if it is spoiler-free; otherwise nothing.

    Expects the image's ``renditions`` prefetched (each picture reads them).
    """
    if image is None or image.spoiler_level.rank > 0:
        return None
    hero = image.picture("hero")
    return SafeImage(
        url=hero.largest,
        alt=image.alt_text,
        width=hero.width,
        height=hero.height,
        credit=image.credit,
        caption=image.caption,
        picture=image.picture("full"),
        hero=hero,
        teaser=image.picture("teaser"),
    )


def project_article(article):
    """The spoiler-safe view of an article. Expects ``work`` and ``hero_image`` loaded."""
    work = article.work
    return SafeArticle(
        title=article.title,
        dek=article.dek,
        url=article.get_absolute_url(),
        work_title=str(work),
        work_url=work.get_absolute_url(),
        work_kind=work.get_kind_display(),
        published_at=article.published_at,
        image=safe_image(article.hero_image),
    )


@dataclass(frozen=True)
class WarningSummary:
    """Content warnings for an article: plain ones by name, plot-revealing ones counted."""

    named: list
    withheld: list

    @property
    def withheld_count(self):
        return len(self.withheld)

    def __bool__(self):
        return bool(self.named or self.withheld)


def summarize_warnings(sections):
    return summarize(warning for section in sections for warning in section.content_warnings.all())


def summarize(warnings):
    """The summary of these content warnings (repeats counted once)."""
    seen = {}
    for warning in warnings:
        seen.setdefault(warning.pk, warning)
    ordered = sorted(seen.values(), key=lambda warning: warning.name)
    return WarningSummary(
        named=[warning for warning in ordered if not warning.is_spoiler],
        withheld=[warning for warning in ordered if warning.is_spoiler],
    )


@dataclass(frozen=True)
class MapEntry:
    anchor: str
    heading: str
    level: object


def spoiler_map(sections):
    """How far the article goes: each section by level, under its collapsed-safe heading."""
    return [MapEntry(s.anchor, s.display_heading, s.spoiler_level) for s in sections]


def section_label(section):
    """One section as a page outside the article (the report form) may name it."""
    return MapEntry(section.anchor, section.display_heading, section.spoiler_level)


def strongest_section(sections):
    """The first section of the article's highest level, if that level is a spoiler.

    The page puts its strongest warning right before it.
    """
    spoilers = [section for section in sections if section.is_spoiler]
    if not spoilers:
        return None
    top = max(section.spoiler_level.rank for section in spoilers)
    return next(section for section in spoilers if section.spoiler_level.rank == top)


@dataclass(frozen=True)
class NoteDetail:
    """One citation's locator and quotation in a note. Above level 0 it is folded and
    labelled with ``level_name``; it opens with any of ``opens_with`` (the anchors of the
    sections citing the note at or above its level), or when the reader's shield reaches
    its level. With no such section (cited from an inline spoiler) a click opens it."""

    citation: object
    level_name: str = ""
    opens_with: str = ""


@dataclass(frozen=True)
class Note:
    """One numbered note: a source and every citation of it in the article."""

    number: int
    source: object
    citations: list
    details: list = None

    @property
    def is_spoiler(self):
        return any(citation.spoiler_rank for citation in self.citations)

    @property
    def backlink_is_safe(self):
        # A link back into a folded section would unfold it; only offer it when every
        # use of the note is in spoiler-free text.
        return not self.is_spoiler


_NOTE_LINK_RE = re.compile(r'href="#note-(\d+)"')


def group_notes(citations, sections=()):
    """Numbered citations (ordered by number) grouped into notes, each citation's
    details with the level and the sections (of those given) that open them."""
    names = {section.spoiler_level.rank: section.spoiler_level.name for section in sections}
    citing = {}  # note number -> [(anchor, rank)] of the sections citing it
    for section in sections:
        for number in dict.fromkeys(_NOTE_LINK_RE.findall(section.body_html or "")):
            citing.setdefault(int(number), []).append((section.anchor, section.spoiler_level.rank))
    notes = []
    for citation in citations:
        if citation.number is None:
            continue
        rank = citation.spoiler_rank or 0
        detail = NoteDetail(
            citation,
            level_name=names.get(rank, "Spoiler") if rank else "",
            opens_with=" ".join(
                anchor for anchor, at in citing.get(citation.number, ()) if rank and at >= rank
            ),
        )
        if notes and notes[-1].number == citation.number:
            notes[-1].citations.append(citation)
            notes[-1].details.append(detail)
        else:
            notes.append(Note(citation.number, citation.source, [citation], [detail]))
    return notes


SCHEMA_TYPES = {
    "film": "Movie",
    "series": "TVSeries",
    "season": "TVSeason",
    "episode": "TVEpisode",
    "book": "Book",
    "game": "VideoGame",
}

# Inside <script>, "</" would end the element; escape what HTML could read as markup.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def linked_data(safe, *, authors, makers, work):
    """schema.org data for an article, built from the safe projection only. Its URLs are
    relative to the site: ``json_ld`` is given them with the request's origin."""
    about = {"@type": SCHEMA_TYPES.get(work.kind, "CreativeWork"), "name": work.title}
    if work.year:
        about["dateCreated"] = str(work.year)
    for label, names in makers:
        role = "director" if label == "Directed by" else "author" if work.kind == "book" else None
        if role:
            about[role] = [{"@type": "Person", "name": name} for name in names]
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": safe.title,
        "description": safe.description,
        "url": safe.url,
        "about": about,
        "author": [{"@type": "Person", "name": name} for name in authors],
    }
    if safe.published_at:
        data["datePublished"] = safe.published_at.isoformat()
    if safe.image:
        data["image"] = safe.image.url
    return data


def json_ld(data):
    """JSON for a <script> element: nothing in it can close the element or open another."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308


_VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "source", "wbr"}
# Inline spoilers are hidden until revealed; citation numbers are noise in a snippet.
_HIDDEN_TAGS = {"script", "style", "sup", "template"}


class _VisibleText(HTMLParser):
    """The text of rendered HTML that a reader sees without revealing anything."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.hidden = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID_TAGS:
            self.parts.append(" ")
            return
        classes = (dict(attrs).get("class") or "").split()
        hides = tag in _HIDDEN_TAGS or "spoiler" in classes
        self.stack.append(hides)
        self.hidden += hides

    def handle_endtag(self, tag):
        if tag in _VOID_TAGS or not self.stack:
            return
        self.hidden -= self.stack.pop()
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(body_html):
    """Plain text of a level-0 body with inline spoilers and note numbers left out."""
    parser = _VisibleText()
    parser.feed(body_html)
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    # Where note numbers and inline spoilers were taken out: "academy , ." -> "academy."
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"[,;:]+(?=[.!?])", "", text)


# Enough for any real explainer; a tsvector must stay under 1 MB.
SEARCH_BODY_MAX_CHARS = 100_000


@dataclass(frozen=True)
class SearchDocument:
    """What search may match and quote for an article: level-0 material only.

    ``context`` is the work and its people (names and the characters they play, as the
    work page lists them); ``body`` is every section's collapsed-safe heading and the
    text of the spoiler-free sections. A spoiler section's text is left out on purpose:
    a result appearing for "Paloma dies" would itself confirm the spoiler, even if its
    snippet never showed the sentence.
    """

    context: str
    body: str
    reach: int


def search_document(article, sections, credits):
    work = article.work
    names = [work.title, str(work.year or "")]
    for credit in credits:
        names += [credit.person.name, credit.character_name]
    body = []
    for section in sections:
        body.append(section.display_heading)
        if not section.is_spoiler:
            body.append(visible_text(section.body_html))
    return SearchDocument(
        context=" ".join(name for name in names if name),
        body=" \n".join(part for part in body if part)[:SEARCH_BODY_MAX_CHARS],
        reach=max((section.spoiler_level.rank for section in sections), default=0),
    )
