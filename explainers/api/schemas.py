"""What the read API answers, declared once: django-ninja builds the OpenAPI document
from these pydantic models and validates every response against them.

Everything here is filled from the spoiler-safe projection (``explainers/projection.py``):
a section's ``heading``, ``body_html`` and ``image`` are null unless the client asked
for them (``reveal`` or ``through``), and ``revealed`` says which it got."""

from datetime import date, datetime
from enum import Enum

from ninja import Schema
from pydantic import Field

from ..models import Work

# The kinds of work, as the OpenAPI document lists them.
WorkKind = Enum("WorkKind", {value: value for value in Work.Kind.values}, type=str)


class Error(Schema):
    status: int
    error: str = Field(description="A short code: invalid_parameter, not_found, ...")
    message: str = Field(description="What was wrong, in a sentence a person can act on.")
    parameter: str | None = Field(None, description="The query parameter at fault, if one.")


class Level(Schema):
    rank: int = Field(description="Position on the spoiler ladder; 0 is spoiler-free.")
    name: str


class LadderLevel(Level):
    slug: str
    reader_warning: str


class Part(Schema):
    position: int = Field(description="1 for the first chapter or episode, and so on.")
    label: str


class Scope(Schema):
    """What a passage spoils (docs/spoiler-scope.md): a level on one work, and the
    furthest part of the work it reaches; no ``part`` means anywhere in the work."""

    work: str = Field(description="The work's slug.")
    level: int
    level_name: str
    part: int | None = None
    part_label: str | None = None


class Picture(Schema):
    url: str = Field(description="The largest fallback (JPEG or PNG) file.")
    width: int | None
    height: int | None
    alt: str
    credit: str
    caption: str


class WorkRef(Schema):
    slug: str
    title: str
    kind: str
    year: int | None
    url: str
    api_url: str


class ArticleSummary(Schema):
    slug: str
    title: str = Field(description="Spoiler-free.")
    dek: str = Field(description="Spoiler-free summary.")
    url: str
    api_url: str
    published_at: datetime | None
    work: WorkRef
    image: Picture | None = Field(description="A spoiler-free (level 0) image, if any.")
    reach: Level = Field(description="The highest level any section of the article reaches.")


class Page(Schema):
    page: int
    previous: str | None = Field(description="The previous page's API URL, if any.")
    next: str | None = Field(description="The next page's API URL, if any.")


class ArticlePage(Page):
    results: list[ArticleSummary]


class Warnings(Schema):
    named: list[str] = Field(description="Warnings whose name gives nothing away.")
    withheld_count: int = Field(description="Warnings whose name would spoil: counted only.")


class Section(Schema):
    id: int
    anchor: str = Field(description="The section's id on the article page.")
    level: Level
    safe_heading: str = Field(description="The heading shown while the section is folded.")
    part: Part | None = Field(description="The furthest part of the work it gives away.")
    scope: Scope
    revealed: bool = Field(description="Whether heading, body and image are included.")
    heading: str | None
    body_html: str | None = Field(
        description="Sanitised HTML. Inline spoilers and images held above what was asked "
        'for are left as an empty <span class="spoiler" data-level="N">.'
    )
    image: Picture | None
    warnings: list[str] = Field(description="Its content warnings (plot-revealing ones once open).")


class Source(Schema):
    kind: str
    title: str
    author: str
    publisher: str
    url: str
    published_on: date | None


class NoteDetail(Schema):
    level: Level
    scope: Scope | None = Field(description="Null for a detail cited only from level 0.")
    revealed: bool
    locator: str | None
    quotation: str | None


class Note(Schema):
    number: int
    source: Source
    details: list[NoteDetail]


class RevealAsked(Schema):
    level: int = Field(description="Sections up to this rank are included (0: the default).")
    through: int | None = Field(description="Sections reaching no further than this part.")


class ArticleDetail(ArticleSummary):
    authors: list[str]
    warnings: Warnings
    parts: list[Part] = Field(description="The work's parts, for a reader's progress.")
    reveal: RevealAsked
    sections: list[Section]
    notes: list[Note]


class Credit(Schema):
    person: str = Field(description="The person's slug.")
    name: str
    role: str
    character: str
    person_api_url: str


class WorkSummary(WorkRef):
    platform: str
    release_date: date | None
    synopsis: str = Field(description="Spoiler-free.")
    poster: Picture | None


class WorkPage(Page):
    results: list[WorkSummary]


class WorkDetail(WorkSummary):
    parts: list[Part]
    credits: list[Credit]
    articles_api_url: str


class PersonCredit(Schema):
    work: WorkRef
    role: str
    character: str


class Person(Schema):
    slug: str
    name: str
    url: str
    api_url: str


class PersonPage(Page):
    results: list[Person]


class PersonDetail(Person):
    credits: list[PersonCredit]


class SearchResult(Schema):
    article: ArticleSummary
    snippet_html: str = Field(description="Escaped spoiler-free text, matches in <mark>.")


class SearchPage(Page):
    query: str
    truncated: bool
    count: int
    results: list[SearchResult]


class OEmbed(Schema):
    """An oEmbed 1.0 "link" response: a card with nothing above level 0."""

    version: str = "1.0"
    type: str = "link"
    title: str
    description: str = Field(description="The dek (an extension most consumers read).")
    author_name: str | None = None
    provider_name: str
    provider_url: str
    cache_age: int
    thumbnail_url: str | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
