"""The read API's operations. Every article comes through ``Article.objects.published()``
and every field from the spoiler-safe projection; a section's own heading, body and image
are added only for what the client asked to see (``projection.Reveal``)."""

from urllib.parse import urlencode, urlsplit

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from ninja import Query, Router
from ninja.errors import HttpError

from .. import search
from ..models import Article, Citation, Credit, Person, Section, SpoilerLevel, Work
from ..origin import site_origin
from ..projection import (
    Reveal,
    group_notes,
    note_scopes,
    project_article,
    revealed_body,
    safe_image,
    section_scope,
    summarize_warnings,
)
from ..views import MAX_PAGE_NUMBER, NewestPage
from . import schemas
from .errors import InvalidParameter

router = Router()

PAGE_SIZE = 20


def _origin(request):
    return site_origin(request)


def _api_url(request, name, **kwargs):
    return _origin(request) + reverse(f"api:{name}", kwargs=kwargs or None)


def _page_links(request, page, name, **kwargs):
    base = _api_url(request, name, **kwargs)
    params = {key: value for key, value in request.GET.items() if key != "page"}

    def link(number):
        return f"{base}?{urlencode({**params, 'page': number})}"

    return {
        "page": page.number,
        "previous": link(page.number - 1) if page.has_previous() else None,
        "next": link(page.number + 1) if page.has_next() else None,
    }


def _picture(safe, origin):
    if safe is None:
        return None
    return {
        "url": origin + safe.url,
        "width": safe.width,
        "height": safe.height,
        "alt": safe.alt,
        "credit": safe.credit,
        "caption": safe.caption,
    }


def _work_ref(work, request):
    return {
        "slug": work.slug,
        "title": work.title,
        "kind": work.kind,
        "year": work.year,
        "url": _origin(request) + work.get_absolute_url(),
        "api_url": _api_url(request, "get_work", slug=work.slug),
    }


class Ladder:
    """The spoiler ladder, read once per request."""

    def __init__(self):
        self.levels = list(SpoilerLevel.objects.order_by("rank"))
        self.by_rank = {level.rank: level for level in self.levels}

    def level(self, rank):
        level = self.by_rank.get(rank)
        return {"rank": rank, "name": level.name if level else f"Level {rank}"}

    def parse(self, raw, parameter):
        """A level given by its rank ("2") or its slug ("twist")."""
        for level in self.levels:
            if raw == level.slug or raw == str(level.rank):
                return level.rank
        choices = ", ".join(f"{level.rank} ({level.slug})" for level in self.levels)
        raise InvalidParameter(
            parameter, f"{parameter} must be a level of the spoiler ladder: {choices}."
        )


def _summary(article, request, ladder):
    safe = project_article(article)
    origin = _origin(request)
    return {
        "slug": article.slug,
        "title": safe.title,
        "dek": safe.dek,
        "url": origin + safe.url,
        "api_url": _api_url(request, "get_article", slug=article.slug),
        "published_at": safe.published_at,
        "work": _work_ref(article.work, request),
        "image": _picture(safe.image, origin),
        "reach": ladder.level(article.spoiler_reach),
    }


PAGE = Query(1, ge=1, le=MAX_PAGE_NUMBER, description="1 for the first page.")
KIND = Query(None, description="Only works of this kind.")


def _newest_page(queryset, number, what):
    page = NewestPage(queryset, number, PAGE_SIZE)
    if number > 1 and not page.object_list:
        raise Http404(f"There are not that many {what}.")
    return page


def _filters(ladder, work, kind, max_level):
    if work is not None and not Work.objects.filter(slug=work).exists():
        raise InvalidParameter("work", f"work: there is no work with the slug {work!r}.")
    reach = ladder.parse(max_level, "max_level") if max_level is not None else None
    return search.Filters(work=work, kind=kind, reach=reach)


@router.get(
    "/articles",
    response=schemas.ArticlePage,
    summary="Published explainers, newest first",
    tags=["articles"],
)
def list_articles(
    request,
    work: str | None = Query(None, max_length=200, description="A work's slug."),
    kind: schemas.WorkKind | None = KIND,
    max_level: str | None = Query(
        None,
        max_length=60,
        description="Only articles going no further than this level (rank or slug).",
    ),
    page: int = PAGE,
):
    ladder = Ladder()
    filters = _filters(ladder, work, kind.value if kind else None, max_level)
    articles = filters.apply(Article.objects.published()).for_listing()
    found = _newest_page(articles, page, "explainers")
    return {
        **_page_links(request, found, "list_articles"),
        "results": [_summary(article, request, ladder) for article in found.object_list],
    }


def _load_article(slug):
    sections = Section.objects.select_related(
        "spoiler_level", "image__spoiler_level", "reveals_through"
    ).prefetch_related("content_warnings", "image__renditions")
    notes = Citation.objects.filter(number__isnull=False).select_related("source")
    article = (
        Article.objects.published()
        .filter(slug=slug)
        .select_related("work", "hero_image__spoiler_level")
        .defer("search_context", "search_body", "search_vector")
        .prefetch_related(
            "hero_image__renditions",
            "authors",
            Prefetch("sections", queryset=sections),
            Prefetch("citations", queryset=notes.order_by("number", "id")),
            "work__parts",
        )
        .first()
    )
    if article is None:
        raise Http404("No published explainer has this slug.")
    return article


def _reveal(request, ladder, parts, reveal, through):
    level = ladder.parse(reveal, "reveal") if reveal is not None else 0
    if through is not None and through not in {part.position for part in parts}:
        if parts:
            known = f"its parts are numbered {parts[0].position} to {parts[-1].position}"
        else:
            known = "it has no parts"
        raise InvalidParameter("through", f"through: the work has no part {through} ({known}).")
    return Reveal(level=level, through=through)


def _section(section, work, asked, origin):
    scope = section_scope(section, work)
    opened = asked.opens(scope)
    warnings = summarize_warnings([section])
    named = [warning.name for warning in warnings.named]
    data = {
        "id": section.pk,
        "anchor": section.anchor,
        "level": {"rank": scope.level, "name": scope.level_name},
        "safe_heading": section.display_heading,
        "part": (
            {"position": scope.part, "label": scope.part_label} if scope.part is not None else None
        ),
        "scope": scope.as_api(),
        "revealed": opened,
        "heading": None,
        "body_html": None,
        "image": None,
        "warnings": named,
    }
    if opened:
        # What the reader of this section may see: its own level, or more if asked.
        shown = max(scope.level, asked.level)
        image = section.image
        if image is not None and image.spoiler_level.rank <= scope.level:
            picture = image.picture()
            data["image"] = {
                "url": origin + picture.largest,
                "width": picture.width,
                "height": picture.height,
                "alt": image.alt_text,
                "credit": image.credit,
                "caption": image.caption,
            }
        data.update(
            heading=section.heading,
            body_html=revealed_body(section.body_html, shown),
            warnings=named + [warning.name for warning in warnings.withheld],
        )
    return data


def _notes(article, sections, asked, ladder):
    notes = group_notes(article.citations.all(), sections)
    scopes = note_scopes(notes, sections, article.work)
    result = []
    for note in notes:
        source = note.source
        details = []
        for detail in note.details:
            citation = detail.citation
            rank = citation.spoiler_rank or 0
            scope = scopes.get(citation.pk)
            # By its scope: the page opens a note with any section citing it, but
            # through= must not open a note that a later section also cites.
            shown = rank == 0 or asked.opens(scope)
            details.append(
                {
                    "level": ladder.level(rank),
                    "scope": scope.as_api() if scope else None,
                    "revealed": shown,
                    "locator": citation.locator if shown else None,
                    "quotation": citation.quotation if shown else None,
                }
            )
        result.append(
            {
                "number": note.number,
                "source": {
                    "kind": source.kind,
                    "title": source.title,
                    "author": source.author,
                    "publisher": source.publisher,
                    "url": source.url,
                    "published_on": source.published_on,
                },
                "details": details,
            }
        )
    return result


@router.get(
    "/articles/{slug}",
    response=schemas.ArticleDetail,
    summary="One explainer, spoiler-safe unless asked",
    description="By default each spoiler section gives only its level, safe heading, the "
    "part it reaches and its scope. `reveal=<level>` (rank or slug) adds the heading, body "
    "and image of every section up to that level; `through=<part>` those of every section "
    "reaching no further than that part of the work. Both may be given.",
    tags=["articles"],
)
def get_article(
    request,
    slug: str,
    reveal: str | None = Query(
        None, max_length=60, description="Reveal sections up to this level (rank or slug)."
    ),
    through: int | None = Query(
        None, ge=1, le=32767, description="Reveal sections reaching no further than this part."
    ),
):
    article = _load_article(slug)
    ladder = Ladder()
    parts = list(article.work.parts.all())
    asked = _reveal(request, ladder, parts, reveal, through)
    sections = list(article.sections.all())
    origin = _origin(request)
    rendered = [_section(section, article.work, asked, origin) for section in sections]
    warnings = summarize_warnings(sections)
    return {
        **_summary(article, request, ladder),
        "authors": [a.get_full_name() or a.get_username() for a in article.authors.all()],
        "warnings": {
            "named": [warning.name for warning in warnings.named],
            "withheld_count": warnings.withheld_count,
        },
        "parts": [{"position": part.position, "label": part.label} for part in parts],
        "reveal": {"level": asked.level, "through": asked.through},
        "sections": rendered,
        "notes": _notes(article, sections, asked, ladder),
    }


def _work_summary(work, request):
    return {
        **_work_ref(work, request),
        "platform": work.platform,
        "release_date": work.release_date,
        "synopsis": work.synopsis,
        "poster": _picture(safe_image(work.poster), _origin(request)),
    }


def _works():
    return Work.objects.select_related("poster__spoiler_level").prefetch_related(
        "poster__renditions"
    )


@router.get("/works", response=schemas.WorkPage, summary="Every work, A–Z", tags=["works"])
def list_works(
    request,
    kind: schemas.WorkKind | None = KIND,
    page: int = PAGE,
):
    works = _works().order_by("title", "pk")
    if kind:
        works = works.filter(kind=kind.value)
    found = _newest_page(works, page, "works")
    return {
        **_page_links(request, found, "list_works"),
        "results": [_work_summary(work, request) for work in found.object_list],
    }


@router.get(
    "/works/{slug}",
    response=schemas.WorkDetail,
    summary="A work with its parts and credits",
    tags=["works"],
)
def get_work(request, slug: str):
    credits = Credit.objects.select_related("person").order_by("role", "order", "id")
    work = (
        _works().prefetch_related("parts", Prefetch("credits", queryset=credits)).filter(slug=slug)
    ).first()
    if work is None:
        raise Http404("No work has this slug.")
    return {
        **_work_summary(work, request),
        "parts": [{"position": part.position, "label": part.label} for part in work.parts.all()],
        "credits": [
            {
                "person": credit.person.slug,
                "name": credit.person.name,
                "role": credit.role,
                "character": credit.character_name,
                "person_api_url": _api_url(request, "get_person", slug=credit.person.slug),
            }
            for credit in work.credits.all()
        ],
        "articles_api_url": _api_url(request, "list_articles") + f"?work={work.slug}",
    }


def _person(person, request):
    return {
        "slug": person.slug,
        "name": person.name,
        "url": _origin(request) + person.get_absolute_url(),
        "api_url": _api_url(request, "get_person", slug=person.slug),
    }


@router.get(
    "/people", response=schemas.PersonPage, summary="Everyone credited, A–Z", tags=["people"]
)
def list_people(request, page: int = PAGE):
    credited = Person.objects.filter(Exists(Credit.objects.filter(person=OuterRef("pk")))).order_by(
        "name", "pk"
    )
    found = _newest_page(credited, page, "people")
    return {
        **_page_links(request, found, "list_people"),
        "results": [_person(person, request) for person in found.object_list],
    }


@router.get(
    "/people/{slug}",
    response=schemas.PersonDetail,
    summary="A person and their credits",
    tags=["people"],
)
def get_person(request, slug: str):
    credits = Credit.objects.select_related("work").order_by("-work__year", "work__title", "id")
    person = Person.objects.prefetch_related(Prefetch("credits", queryset=credits))
    person = person.filter(slug=slug).first()
    if person is None:
        raise Http404("No person has this slug.")
    return {
        **_person(person, request),
        "credits": [
            {
                "work": _work_ref(credit.work, request),
                "role": credit.role,
                "character": credit.character_name,
            }
            for credit in person.credits.all()
        ],
    }


@router.get(
    "/search",
    response=schemas.SearchPage,
    summary="Search published explainers",
    description="Matches titles, deks, the work and its people, safe headings and the text "
    "of spoiler-free sections only: spoiler sections are never searched. Words, "
    '`"quoted phrases"` and `-excluded` words; at most 200 characters are used.',
    tags=["articles"],
)
def search_articles(
    request,
    q: str = Query("", max_length=2000, description="What to look for."),
    work: str | None = Query(None, max_length=200, description="A work's slug."),
    kind: schemas.WorkKind | None = KIND,
    max_level: str | None = Query(
        None, max_length=60, description="Articles going no further than this level."
    ),
    page: int = PAGE,
):
    ladder = Ladder()
    query = search.clean_query(q)
    filters = _filters(ladder, work, kind.value if kind else None, max_level)
    results = search.results_page(search.search(query, filters), query, page)
    if results.number != page:
        raise Http404("There are not that many results.")
    return {
        **_page_links(request, results, "search_articles"),
        "query": query.text,
        "truncated": query.truncated,
        "count": results.paginator.count,
        "results": [
            {
                "article": _summary(article, request, ladder),
                "snippet_html": str(result.snippet),
            }
            for article, result in zip(results.object_list, results.results, strict=True)
        ],
    }


@router.get(
    "/levels",
    response=list[schemas.LadderLevel],
    summary="The spoiler ladder",
    tags=["spoilers"],
)
def spoiler_levels(request):
    return [
        {
            "rank": level.rank,
            "name": level.name,
            "slug": level.slug,
            "reader_warning": level.reader_warning,
        }
        for level in SpoilerLevel.objects.order_by("rank")
    ]


def _article_slug(url, request):
    """The slug of an article page of this site named by ``url``, or None."""
    parts = urlsplit(url)
    if (parts.scheme or parts.netloc) and f"{parts.scheme}://{parts.netloc}" != _origin(request):
        return None
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return None
    if match.view_name != "explainers:article":
        return None
    return match.kwargs.get("slug")


def _fitting(picture, max_width, max_height):
    """(url, width, height) of the largest file of a hero-shaped picture that fits."""
    if not picture.width:
        return None
    ratio = picture.height / picture.width
    sizes = []
    for entry in (picture.srcset or "").split(", "):
        url, _, width = entry.rpartition(" ")
        if url and width.endswith("w") and width[:-1].isdigit():
            sizes.append((int(width[:-1]), url))
    if not sizes:
        sizes = [(picture.width, picture.src)]
    for width, url in sorted(sizes, reverse=True):
        height = round(width * ratio)
        if (max_width is None or width <= max_width) and (
            max_height is None or height <= max_height
        ):
            return url, width, height
    return None


@router.get(
    "/oembed",
    response=schemas.OEmbed,
    summary="oEmbed for an article page: a spoiler-safe link card",
    description="The title, the dek and a spoiler-free image: nothing above level 0. "
    "Only `format=json` is offered (XML answers 501, as oEmbed asks).",
    tags=["oembed"],
)
def oembed(
    request,
    url: str = Query(..., max_length=2000, description="An article page's URL."),
    format: str = Query("json", max_length=10, description="json (xml is not offered)."),
    maxwidth: int | None = Query(None, ge=1, le=100000),
    maxheight: int | None = Query(None, ge=1, le=100000),
):
    if format != "json":
        if format == "xml":
            raise HttpError(501, "Only the JSON format is offered.")
        raise InvalidParameter("format", "format must be json.")
    slug = _article_slug(url, request)
    if slug is None:
        raise Http404("url: no article page of this site has this address.")
    article = (
        Article.objects.published()
        .filter(slug=slug)
        .select_related("work", "hero_image__spoiler_level")
        .prefetch_related("hero_image__renditions", "authors")
        .defer("search_context", "search_body", "search_vector")
        .first()
    )
    if article is None:
        raise Http404("url: no published explainer has this address.")
    safe = project_article(article)
    origin = _origin(request)
    names = [a.get_full_name() or a.get_username() for a in article.authors.all()]
    card = {
        "title": safe.title,
        "description": safe.dek,
        "author_name": ", ".join(names) or None,
        "provider_name": "Unspoiled",
        "provider_url": origin + "/",
        "cache_age": 300,
    }
    if safe.image is not None:
        fits = _fitting(safe.image.hero, maxwidth, maxheight)
        if fits is not None:
            card.update(
                thumbnail_url=origin + fits[0], thumbnail_width=fits[1], thumbnail_height=fits[2]
            )
    return card
