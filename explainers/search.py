"""Search: the index kept from the spoiler-safe projection, and the queries over it.

On PostgreSQL an article carries a weighted ``tsvector`` (title A, dek B, work and people
C, safe headings and level-0 text D) in a GIN-indexed column, matched with
``websearch_to_tsquery`` and ranked with ``ts_rank``. On SQLite the same page runs a
plain substring match over the same stored text. Either way only
``Article.objects.published()`` is searched, and snippets are cut from the level-0 text
stored in ``search_body``: spoiler text is never indexed, so it can neither be quoted nor
confirm a guess by producing a result.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Article, Credit, Section, SpoilerLevel, Work
from .projection import project_article, search_document

CONFIG = "english"
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PAGE_SIZE = 10
SNIPPET_CHARS = 220
# ts_headline marks matches with these; the text is escaped before they become <mark>.
_START, _STOP = "\ue000", "\ue001"

VECTOR = (
    SearchVector("title", weight="A", config=CONFIG)
    + SearchVector("dek", weight="B", config=CONFIG)
    + SearchVector("search_context", weight="C", config=CONFIG)
    + SearchVector("search_body", weight="D", config=CONFIG)
)


def on_postgres():
    return connection.vendor == "postgresql"


# -- keeping the index current --------------------------------------------------------


def refresh(article_ids, batch_size=500):
    """Recompute the stored search text (and, on PostgreSQL, the vector) of articles."""
    article_ids = list(article_ids)
    for start in range(0, len(article_ids), batch_size):
        batch = article_ids[start : start + batch_size]
        articles = list(
            Article.objects.filter(pk__in=batch)
            .select_related("work")
            .prefetch_related(
                Prefetch("sections", queryset=Section.objects.select_related("spoiler_level")),
                Prefetch("work__credits", queryset=Credit.objects.select_related("person")),
            )
        )
        for article in articles:
            document = search_document(
                article, list(article.sections.all()), list(article.work.credits.all())
            )
            article.search_context = document.context
            article.search_body = document.body
            article.spoiler_reach = document.reach
        Article.objects.bulk_update(
            articles, ["search_context", "search_body", "spoiler_reach"], batch_size=batch_size
        )
        if on_postgres():
            Article.objects.filter(pk__in=batch).update(search_vector=VECTOR)


# -- reading the query ----------------------------------------------------------------


@dataclass(frozen=True)
class CleanQuery:
    text: str
    truncated: bool

    @property
    def terms(self):
        return terms_of(self.text)


def clean_query(raw):
    """The query as we will run it: printable, one line, at most MAX_QUERY_CHARS."""
    text = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} else char
        for char in (raw or "")
    )
    text = re.sub(r"\s+", " ", text).strip()
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        text = text[:MAX_QUERY_CHARS]
        if " " in text:
            text = text.rsplit(" ", 1)[0]  # do not search for half a word
    return CleanQuery(text=text, truncated=truncated)


_TERM_RE = re.compile(r'(-?)"([^"]+)"|(-?)([\w][\w\'’-]*)')


def terms_of(text):
    """Words and "quoted phrases", each with whether it is excluded (a leading minus)."""
    terms = []
    for match in _TERM_RE.finditer(text):
        excluded = bool(match.group(1) or match.group(3))
        term = (match.group(2) or match.group(4) or "").strip()
        if term and term.lower() != "or" and re.search(r"\w", term):
            terms.append((term, excluded))
    return terms[:MAX_TERMS]


# -- running it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    work: str | None = None
    kind: str | None = None
    reach: int | None = None

    def apply(self, queryset):
        if self.work:
            queryset = queryset.filter(work__slug=self.work)
        if self.kind:
            queryset = queryset.filter(work__kind=self.kind)
        if self.reach is not None:
            queryset = queryset.filter(spoiler_reach__lte=self.reach)
        return queryset

    def __bool__(self):
        return bool(self.work or self.kind or self.reach is not None)


def search(query, filters=Filters()):
    """Published articles matching ``query`` (a CleanQuery), best first."""
    base = filters.apply(Article.objects.published()).for_listing()
    if not query.terms:
        return base.order_by(F("published_at").desc(), "-id")
    if on_postgres():
        return _postgres_search(base, query.text)
    return _simple_search(base, query.terms)


def _tsquery(text):
    return SearchQuery(text, search_type="websearch", config=CONFIG)


# Ranking reads every matching row: a word most explainers contain ("ending") would cost
# in proportion to the whole site. So the ranking is over the newest RANK_WINDOW matches
# (an index scan, newest first, that stops there); a rarer query has fewer matches than
# that and is ranked in full. The page says when a query reached the window.
RANK_WINDOW = 1000


def _postgres_search(queryset, text):
    tsquery = _tsquery(text)
    newest = (
        queryset.filter(search_vector=tsquery)
        .order_by(F("published_at").desc(), F("id").desc())
        .values("pk")[:RANK_WINDOW]
    )
    return (
        queryset.filter(pk__in=newest)
        .annotate(rank=SearchRank(F("search_vector"), tsquery))
        .order_by("-rank", F("published_at").desc(), "-id")
    )


_FIELD_WEIGHTS = {"title": 8, "dek": 4, "search_context": 2, "search_body": 1}


def _simple_search(queryset, terms):
    """SQLite: every word must appear somewhere; title hits count most."""
    score = Value(0, output_field=IntegerField())
    for term, excluded in terms:
        anywhere = Q()
        for field in _FIELD_WEIGHTS:
            anywhere |= Q(**{f"{field}__icontains": term})
        if excluded:
            queryset = queryset.exclude(anywhere)
            continue
        queryset = queryset.filter(anywhere)
        for field, weight in _FIELD_WEIGHTS.items():
            score = score + Case(
                When(**{f"{field}__icontains": term}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return queryset.annotate(rank=score).order_by("-rank", F("published_at").desc(), "-id")


@dataclass(frozen=True)
class Result:
    teaser: object  # a SafeArticle
    snippet: str  # safe HTML: escaped level-0 text with <mark> around matches


def results_page(queryset, query, page_number):
    """One page of results, projected: teasers from projection.py, snippets from level-0 text."""
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    page.window = RANK_WINDOW if on_postgres() and page.paginator.count >= RANK_WINDOW else None
    snippets = _snippets([article.pk for article in page.object_list], query)
    page.results = [
        Result(teaser=project_article(article), snippet=snippets.get(article.pk, ""))
        for article in page.object_list
    ]
    return page


def _snippets(ids, query):
    """Snippets for one page of results, in one more query.

    Kept apart from the ranked query so that PostgreSQL runs ts_headline (which reads the
    whole text) for the ten rows shown, not for every row skipped on the way to page 20.
    """
    wanted = [term for term, excluded in query.terms if not excluded]
    if not ids or not wanted:
        return {}
    rows = Article.objects.filter(pk__in=ids)
    if on_postgres():
        headline = SearchHeadline(
            "search_body",
            _tsquery(query.text),
            config=CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=32,
            min_words=16,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        headlines = rows.annotate(headline=headline).values_list("pk", "headline")
    else:
        bodies = rows.values_list("pk", "search_body")
        headlines = [(pk, _simple_headline(body, wanted)) for pk, body in bodies]
    return {pk: _marked(headline) for pk, headline in headlines}


def _marked(headline):
    if _START not in headline:
        return ""  # the match was in the title, dek or credits: nothing worth quoting
    html = escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our <mark> is markup


def _simple_headline(text, terms):
    folded = text.casefold()
    hits = [(folded.find(term.casefold()), term) for term in terms]
    hits = [(at, term) for at, term in hits if at >= 0]
    if not hits:
        return ""
    at = min(hits)[0]
    start = max(0, text.rfind(" ", 0, max(0, at - SNIPPET_CHARS // 3)) + 1)
    end = text.find(" ", min(len(text), start + SNIPPET_CHARS))
    end = len(text) if end < 0 else end
    window = text[start:end]
    pattern = "|".join(re.escape(term) for _, term in sorted(hits, key=lambda h: -len(h[1])))
    window = re.sub(f"({pattern})", rf"{_START}\1{_STOP}", window, flags=re.IGNORECASE)
    return ("… " if start else "") + window + (" …" if end < len(text) else "")


def searchable_work(slug):
    """The work a search is narrowed to, if it has a published explainer; else None."""
    if not slug:
        return None
    published = Article.objects.published().filter(work=OuterRef("pk"))
    return Work.objects.filter(Exists(published), slug=slug).only("slug", "title", "year").first()


def reach_levels():
    return SpoilerLevel.objects.order_by("rank").only("name", "rank")
