"""Article pages rendered when they change, served from the database when read.

An article page shows a dozen tables' worth of data (sections, their levels and warnings,
images and their renditions, citations and sources, the work's people and parts). Loading
and rendering it costs about ten queries and several milliseconds of templates; a reader
should pay neither. So the page is rendered on save and kept in ``StoredPage``; a read
takes the article row with its stored page in one query, then adds what must be live:
related reading (it depends on other articles going live by the clock), the preview
banner, the reader's origin in absolute URLs, and the work's default shield level (it
changes when the work's spoiler window ends).

Invalidation is by counting, in the transaction of the change itself (see ``StoredPage``;
``invalidation.py`` declares what each change affects and calls ``mark_stale``):
- a change to an article, its sections, citations or authors marks that page out of date
  and renders it again once the change commits, so editors pay for rendering, not readers;
- a change to something pages share (a work, a person, a credit, a source, an image or
  rendition) marks the pages that show it;
- a change to a spoiler level, a warning or a spoiler term, and any model the map does
  not know, marks every page. Those pages are rendered again by the next reader (or ahead
  of them by ``manage.py build_pages``).
A page is also out of date when the templates or the code that renders it change (its
``format``), so a deploy never serves pages rendered by the previous release.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connections, router
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from . import locking
from .invalidation import EVERY_PAGE
from .projection import (
    group_notes,
    json_ld,
    linked_data,
    project_article,
    scope_parts,
    spoiler_map,
    strongest_section,
    summarize,
)

# Stands for "scheme://host" in stored <head> tags. Escaped text can never hold a bare "<".
ORIGIN = "<origin>"
# Bump when Python code changes what a page shows (template changes are noticed alone).
FORMAT_VERSION = "1"
_FORMAT_SOURCES = (
    "projection.py",
    "stored_pages.py",
    "imaging.py",
    "models/images.py",
    "templatetags/spoiler_scope.py",
)


@cache
def page_format():
    """A short digest of everything that shapes a stored page but is not in the database."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    here = Path(__file__).resolve().parent
    templates = Path(settings.BASE_DIR) / "templates" / "explainers"
    for path in [here / name for name in _FORMAT_SOURCES] + sorted(templates.rglob("*.html")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    names = ("MEDIA_URL", "STATIC_URL", "TIME_ZONE", "LANGUAGE_CODE", "SPOILER_WINDOW_DAYS")
    for name in (*names, "SPOILER_RELAXED_RANK"):
        digest.update(f"{name}={getattr(settings, name, '')}".encode())
    # Stored documents name the hashed CSS and JS of the release that stored them.
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    if settings.STATIC_ROOT and manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


# Who made the work, as the article's work box names them.
def maker_labels():
    from .models import Credit

    return {
        Credit.Role.DIRECTOR: "Directed by",
        Credit.Role.CREATOR: "Created by",
        Credit.Role.AUTHOR: "Written by",
    }


def group_makers(credits):
    """(label, [Person]) in credit order: "Directed by" Richard Shepard, ..."""
    labels = maker_labels()
    grouped = {}
    for credit in credits:
        grouped.setdefault(labels[credit.role], []).append(credit.person)
    return list(grouped.items())


def with_page_data(articles):
    """Everything the page shows, in a fixed number of queries."""
    from .models import Citation, Credit, Section

    sections = Section.objects.select_related(
        "spoiler_level", "image__spoiler_level", "reveals_through"
    ).prefetch_related("content_warnings", "image__renditions")
    notes = Citation.objects.filter(number__isnull=False).select_related("source")
    makers = Credit.objects.filter(role__in=maker_labels()).select_related("person")
    return articles.select_related(
        "work__relaxed_tolerance", "hero_image__spoiler_level"
    ).prefetch_related(
        "authors",
        "hero_image__renditions",
        Prefetch("sections", queryset=sections),
        Prefetch("citations", queryset=notes.order_by("number", "id")),
        Prefetch("work__credits", queryset=makers, to_attr="maker_credits"),
        "work__parts",
    )


@dataclass
class PageData:
    """What an article's page shows: the article (with its work and hero image), its
    sections in reading order with their bodies rendered, the content warnings of each
    (in the same order), its numbered citations (by number) with their sources, its
    authors, the work's makers' credits and its parts. Read from the database for a
    stored page; taken from the unsaved change form for the editor's preview."""

    article: object
    sections: list
    warnings: list
    citations: list
    authors: list
    makers: list
    parts: list


def render(article):
    """(head, linked data, body) of an article loaded through ``with_page_data``."""
    sections = list(article.sections.all())
    return render_page(
        PageData(
            article=article,
            sections=sections,
            warnings=[section.content_warnings.all() for section in sections],
            citations=list(article.citations.all()),
            authors=list(article.authors.all()),
            makers=article.work.maker_credits,
            parts=list(article.work.parts.all()),
        )
    )


def render_page(data):
    """(head, linked data, body) of the page ``data`` (a ``PageData``) describes."""
    article, sections = data.article, data.sections
    for section, warnings in zip(sections, data.warnings, strict=True):
        section.warning_summary = summarize(warnings)
    safe = project_article(article)
    makers = group_makers(data.makers)
    context = {
        "article": article,
        "safe": safe,
        "origin": mark_safe(ORIGIN),  # noqa: S308 - a fixed marker, replaced on read
        "sections": sections,
        "warnings": summarize(w for warnings in data.warnings for w in warnings),
        "spoiler_map": spoiler_map(sections),
        "strongest": strongest_section(sections),
        "notes": group_notes(data.citations, sections),
        "makers": makers,
        "authors": data.authors,
        "parts": data.parts,
    }
    linked = linked_data(
        safe,
        authors=[a.get_full_name() or a.get_username() for a in data.authors],
        makers=[(label, [person.name for person in people]) for label, people in makers],
        work=article.work,
        spoilers=scope_parts(sections, article.work),
    )
    head = render_to_string("explainers/includes/article_head.html", context)
    body = render_to_string("explainers/includes/article_body.html", context)
    return head, linked, body


def build(article_id):
    """Render an article's page from the database and store it; the StoredPage (unsaved
    if the article changed meanwhile), or None when the article is gone."""
    from .models import Article, StoredPage

    try:
        stored, _ = StoredPage.objects.get_or_create(article_id=article_id)
    except IntegrityError:  # the article is gone, or another worker made the row first
        stored = StoredPage.objects.filter(article_id=article_id).first()
        if stored is None:
            return None
    wanted = stored.wanted  # read before the data: a later change leaves this page stale
    article = with_page_data(Article.objects.filter(pk=article_id)).first()
    if article is None:
        return None
    head, data, body = render(article)
    fields = {
        "built": wanted,
        "format": page_format(),
        "head": head,
        "linked_data": json.dumps(data, ensure_ascii=False),
        "body": body,
        "built_at": timezone.now(),
        "document": "",
    }
    StoredPage.objects.filter(pk=article_id, wanted=wanted).update(**fields)
    return StoredPage(article_id=article_id, wanted=wanted, **fields)


def page_for(article):
    """The article's page parts: the stored ones when current, else rendered now."""
    from .models import StoredPage

    try:
        stored = article.stored_page
    except StoredPage.DoesNotExist:
        stored = None
    if stored is not None and stored.is_current(page_format()):
        return stored
    return build(article.pk)


# What serving a stored document reads of its StoredPage (not the parts only a render uses).
SERVED_FIELDS = (
    "wanted",
    "built",
    "format",
    "head",
    "linked_data",
    "document",
    "document_built",
    "valid_until",
)

# Where the <head> tags go in a stored document: a comment escaped text cannot produce, and
# the first one in the document (it is in <head>, before anything an editor wrote).
HEAD_MARK = "<!--stored-page-head-->"


def document_for(stored, now=None):
    """The stored document if it may be served now, else None."""
    if stored is None:
        return None
    if stored.document_is_current(page_format(), now or timezone.now()):
        return stored.document
    return None


def served_document(slug):
    """(document, stored page) of a published article whose stored document may be served
    now, else None: a reader's whole request to the database, hand-written because the ORM
    took longer to build this query (0.7 ms) than the database took to answer it (0.5 ms).
    Every condition of ``document_for`` is in the WHERE clause."""
    from .models import Article, StoredPage

    connection = connections[router.db_for_read(Article)]
    article = connection.ops.quote_name(Article._meta.db_table)
    page = connection.ops.quote_name(StoredPage._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = f"""
        SELECT p.article_id, p.wanted, p.head, p.linked_data, p.document
        FROM {article} a JOIN {page} p ON p.article_id = a.id
        WHERE a.slug = %s AND a.status = %s AND a.published_at IS NOT NULL
          AND a.published_at <= %s AND p.built = p.wanted AND p.document_built = p.built
          AND p.format = %s AND p.document <> '' AND (p.valid_until IS NULL OR p.valid_until > %s)
    """  # noqa: S608 - table names from the models, every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug, Article.Status.PUBLISHED, now, page_format(), now])
        row = cursor.fetchone()
    if row is None:
        return None
    article_id, wanted, head, linked_data, document = row
    stored = StoredPage(article_id=article_id, wanted=wanted, head=head, linked_data=linked_data)
    return document, stored


def fill(document, stored, origin):
    """A stored (or just rendered) document with this request's <head> tags in it."""
    return document.replace(HEAD_MARK, head_for(stored, origin), 1)


def store_document(stored, document, valid_until):
    """Keep the document rendered for a reader, if its page is still what it was rendered
    from: a change since then (to the article, or to what its related reading lists) has
    counted against ``wanted`` in its own transaction, and this write then misses."""
    from .models import StoredPage

    StoredPage.objects.filter(
        pk=stored.article_id, wanted=stored.wanted, built=stored.wanted, format=page_format()
    ).update(document=document, document_built=stored.wanted, valid_until=valid_until)


def valid_until(article):
    """When a document rendered now stops being right by the clock alone: a related
    explainer going live, or the work's spoiler window ending. None if never."""
    times = [article.next_related_change(), article.work.default_tolerance_changes_at()]
    times = [time for time in times if time is not None]
    return min(times) if times else None


def head_for(stored, origin):
    """The stored <head> tags and JSON-LD with this request's origin in their URLs."""
    return head_with(stored.head, json.loads(stored.linked_data), origin)


def head_with(head, data, origin):
    """<head> tags and linked data (as ``render_page`` gives them) with ``origin`` in
    their URLs."""
    data = dict(data)
    for key in ("url", "image"):
        if key in data:
            data[key] = origin + data[key]
    head = head.replace(ORIGIN, origin)
    return mark_safe(head + f'\n  <script type="application/ld+json">{json_ld(data)}</script>')  # noqa: S308


def build_stale(article_ids=None):
    """Render every out-of-date page (of these articles, or of all); how many were."""
    from .models import Article

    articles = (
        Article.objects.all() if article_ids is None else Article.objects.filter(pk__in=article_ids)
    )
    current = Q(stored_page__built=F("stored_page__wanted"), stored_page__format=page_format())
    count = 0
    for pk in articles.exclude(current).values_list("pk", flat=True).iterator():
        count += build(pk) is not None
    return count


# --- invalidation (what a change affects is decided in invalidation.py) ------------------


def mark_stale(articles):
    """Count a change against these articles' pages (a queryset, ids, or EVERY_PAGE)."""
    from .models import StoredPage

    pages = StoredPage.objects.all()
    if articles is not EVERY_PAGE:
        pages = pages.filter(article__in=articles)
    if locking.holds_locks(pages.db):
        # Every transaction's stored-page row locks under one lock (see locking.py).
        pages = pages.filter(locking.editorial_lock_condition())
    pages.update(wanted=F("wanted") + 1)
