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
    # The furthest part of the work among the sections that open it (a ``WorkPart``), or
    # None when any of them names no part (or none opens it): its spoiler scope's part.
    part: object = None


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
    citing = {}  # note number -> [(anchor, rank, part)] of the sections citing it
    for section in sections:
        for number in dict.fromkeys(_NOTE_LINK_RE.findall(section.body_html or "")):
            citing.setdefault(int(number), []).append(
                (section.anchor, section.spoiler_level.rank, section.reveals_through)
            )
    notes = []
    for citation in citations:
        if citation.number is None:
            continue
        rank = citation.spoiler_rank or 0
        openers = [entry for entry in citing.get(citation.number, ()) if rank and entry[1] >= rank]
        parts = [part for _, _, part in openers]
        detail = NoteDetail(
            citation,
            level_name=names.get(rank, "Spoiler") if rank else "",
            opens_with=" ".join(anchor for anchor, _, _ in openers),
            part=max(parts, key=lambda part: part.position) if parts and all(parts) else None,
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


def linked_data(safe, *, authors, makers, work, spoilers=()):
    """schema.org data for an article, built from the safe projection only. Its URLs are
    relative to the site: ``json_ld`` is given them with the request's origin.

    ``spoilers`` (from ``scope_parts``) lists each spoiler section as a page element with
    its ``spoilerScope``: the documented extension (docs/spoiler-scope.md), declared in the
    context as an opaque JSON value so schema.org consumers can ignore it."""
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
    if spoilers:
        data["@context"] = ["https://schema.org", SCOPE_CONTEXT]
        data["hasPart"] = list(spoilers)
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


# -- spoiler scope: what a passage spoils, for clients that know a reader's progress ------
# The format is specified in docs/spoiler-scope.md; the page (data attributes), the
# JSON-LD, the read API and the feeds all carry it from here.

SCOPE_NAMESPACE = "urn:unspoiled:spoiler-scope:1"
SCOPE_CONTEXT = {"spoilerScope": {"@id": f"{SCOPE_NAMESPACE}#spoilerScope", "@type": "@json"}}


@dataclass(frozen=True)
class SpoilerScope:
    """What a section, note or image gives away: a level of the ladder on one work, and
    the furthest part (chapter, episode) of that work it reaches, when it names one. No
    part means "anywhere in the work": a client must not assume an early part."""

    work: str  # the work's slug
    level: int  # the rank on the spoiler ladder
    level_name: str
    part: int | None = None  # the part's position in the work
    part_label: str = ""

    def as_dict(self):
        data = {"work": self.work, "level": self.level, "levelName": self.level_name}
        if self.part is not None:
            data.update(part=self.part, partLabel=self.part_label)
        return data

    def as_api(self):
        return {
            "work": self.work,
            "level": self.level,
            "level_name": self.level_name,
            "part": self.part,
            "part_label": self.part_label if self.part is not None else None,
        }


def section_scope(section, work):
    """The scope of a section. Expects ``spoiler_level`` and ``reveals_through`` loaded."""
    part = section.reveals_through
    return SpoilerScope(
        work=work.slug,
        level=section.spoiler_level.rank,
        level_name=section.spoiler_level.name,
        part=part.position if part else None,
        part_label=part.label if part else "",
    )


def image_scope(section, work):
    """A still shown in a spoiler section: shown with it, so it spoils as much."""
    return section_scope(section, work)


def note_scopes(notes, sections, work):
    """The scope of each held note detail (by citation id): its own level, and the part
    ``group_notes`` found for it."""
    names = {section.spoiler_level.rank: section.spoiler_level.name for section in sections}
    scopes = {}
    for note in notes:
        for detail in note.details:
            rank = detail.citation.spoiler_rank or 0
            if rank:
                scopes[detail.citation.pk] = SpoilerScope(
                    work=work.slug,
                    level=rank,
                    level_name=names.get(rank, detail.level_name or "Spoiler"),
                    part=detail.part.position if detail.part else None,
                    part_label=detail.part.label if detail.part else "",
                )
    return scopes


def scope_parts(sections, work):
    """The JSON-LD ``hasPart`` entries: each spoiler section as a page element with its
    scope (the documented ``spoilerScope`` extension)."""
    return [
        {
            "@type": "WebPageElement",
            "cssSelector": f"#{section.anchor}",
            "spoilerScope": section_scope(section, work).as_dict(),
        }
        for section in sections
        if section.is_spoiler
    ]


@dataclass(frozen=True)
class Reveal:
    """How much a client asked to see: up to a level (``reveal``), and/or every section
    reaching no further than a part of the work (``through``). Nothing by default."""

    level: int = 0
    through: int | None = None

    def opens(self, scope):
        if scope.level <= self.level:
            return True
        return self.through is not None and scope.part is not None and scope.part <= self.through

    def opens_rank(self, rank):
        return rank <= self.level


class _RevealedBody(HTMLParser):
    """A section body as a client may show it once the section is open: inline spoilers
    and images held above what was asked for are emptied (their marker kept, with its
    level), deferred images get their real sources back."""

    def __init__(self, shown_rank):
        super().__init__(convert_charrefs=False)
        self.shown_rank = shown_rank
        self.out = []
        self.stack = []  # per open element: whether it hides its content
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if self.hidden:
            if tag not in _VOID_TAGS:
                self.stack.append(False)
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        hides = False
        if tag == "span" and "spoiler" in classes:
            level = values.get("data-level")
            rank = int(level) if level and level.isdigit() else 1
            hides = rank > self.shown_rank
            if hides:
                self.out.append(f'<span class="spoiler" data-level="{rank}">')
        elif tag == "img" and "data-src" in values:
            attrs = [(name, value) for name, value in attrs if name not in ("src", "alt")]
            attrs = [
                (name[5:], value)
                if name in ("data-src", "data-srcset", "data-alt")
                else (name, value)
                for name, value in attrs
                if name != "class" or value != "deferred-media"
            ]
            self.out.append(_start_tag(tag, attrs))
            return
        if not hides:
            self.out.append(self.get_starttag_text())
        if tag not in _VOID_TAGS:
            self.stack.append(hides)
            self.hidden += hides

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _VOID_TAGS or not self.stack:
            return
        hides = self.stack.pop()
        if hides:
            self.hidden -= 1
            self.out.append("</span>")
        elif not self.hidden:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.hidden:
            self.out.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def _start_tag(tag, attrs):
    from django.utils.html import escape

    rendered = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
    return f"<{tag}{rendered}>"


def revealed_body(body_html, shown_rank):
    """A body for a client that opened its section: only what reaches ``shown_rank``.

    Inline ``||spoilers||`` count as level 1 at least (as their notes do)."""
    parser = _RevealedBody(shown_rank)
    parser.feed(body_html or "")
    parser.close()
    return "".join(parser.out)


_HELD_MEDIA_RE = re.compile(r'<span class="spoiler spoiler--held"([^>]*?) data-level="(\d+)"')


def scope_held_media(body_html, work_slug):
    """A rendered body with each image it holds above its section's level marked with its
    spoiler scope (the work and the image's level; no part: the image may show anything)."""
    from django.utils.html import escape

    work = escape(work_slug)
    return mark_safe(  # noqa: S308 - the body is sanitised HTML; only our attributes are added
        _HELD_MEDIA_RE.sub(
            lambda m: (
                f'<span class="spoiler spoiler--held"{m.group(1)} data-level="{m.group(2)}"'
                f' data-spoils-work="{work}" data-spoils-level="{m.group(2)}"'
            ),
            body_html or "",
        )
    )
