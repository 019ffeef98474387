from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from . import search, stored_pages, throttling
from .forms import ReaderReportForm
from .models import Article, Credit, Person, SlugRedirect, StoredPage, Work
from .models.reports import client_fingerprint
from .origin import absolute, site_origin
from .page_cache import staff_user
from .previews import PreviewLinkInvalid, article_id_from
from .projection import (
    project_article,
    safe_image,
    section_label,
)


class CanonicalMixin:
    """``canonical`` for <head>: the page's own URL with only the parameters that make it
    a different page (the page number, and whatever ``canonical_params`` adds), so
    tracking parameters and orderings do not multiply the pages search engines see."""

    def canonical_params(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = dict(self.canonical_params())
        page = context.get("page_obj")
        if page is not None and page.number > 1:
            params["page"] = page.number
        query = f"?{urlencode(params)}" if params else ""
        context["canonical"] = absolute(self.request.path + query, self.request)
        return context


class NewestPage:
    """A page of a newest-first list that is never counted: one row more than the page
    tells whether an older page follows. Counting every published explainer for "page 3
    of 834" was the one cost of the home page that grew with the site."""

    def __init__(self, queryset, number, per_page):
        self.number = number
        rows = list(queryset[(number - 1) * per_page : number * per_page + 1])
        self.object_list = rows[:per_page]
        self.paginator = None  # no "of N": see above
        self._older = len(rows) > per_page

    def has_next(self):
        return self._older

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


# Beyond this a page number is answered 404 without asking the database: its offset would
# not fit in a database integer (PostgreSQL answered /?page=99999999999999999999 with an
# error), and no site lists a million pages of explainers.
MAX_PAGE_NUMBER = 100_000


class HomeView(CanonicalMixin, TemplateView):
    template_name = "explainers/home.html"
    # The query parameters a page reads: the page cache keys on these and drops the rest.
    query_params = ("page",)
    per_page = 12

    def get_context_data(self, **kwargs):
        try:
            number = max(1, int(self.request.GET.get("page", 1)))
        except ValueError:
            number = 1
        if number > MAX_PAGE_NUMBER:
            raise Http404("There are not that many explainers.")
        page = NewestPage(Article.objects.published().for_listing(), number, self.per_page)
        if number > 1 and not page.object_list:
            raise Http404("There are not that many explainers.")
        kwargs.update(
            page_obj=page,
            is_paginated=page.has_other_pages(),
            articles=page.object_list,
            teasers=[project_article(article) for article in page.object_list],
        )
        return super().get_context_data(**kwargs)


class ArticleDetailView(DetailView):
    template_name = "explainers/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return self.with_stored_page(Article.objects.visible_to(self.previewer()))

    @staticmethod
    def with_stored_page(articles):
        """What serving a stored document needs, in one query: whether the article is live,
        and its stored page without the parts only a render reads."""
        return articles.select_related("stored_page").only(
            "slug",
            "status",
            "published_at",
            *(f"stored_page__{name}" for name in stored_pages.SERVED_FIELDS),
        )

    @staticmethod
    def for_render(article):
        """The whole article again, for a page rendered now (not served from storage)."""
        return (
            Article.objects.select_related("work__relaxed_tolerance", "stored_page")
            .defer("search_context", "search_body", "search_vector")
            .get(pk=article.pk)
        )

    def previewer(self):
        """The staff member who might preview a draft, or None for a reader.

        A reader's session, or a cookie that names none, is not looked at further: touching
        the session marks the response ``Vary: Cookie``, and the anonymous page should be
        one cacheable page.
        """
        return staff_user(self.request)

    def get_object(self, queryset=None):
        article = super().get_object(queryset)
        self.is_preview = not article.is_published()
        return article

    def get(self, request, *args, **kwargs):
        """A published article's page from its stored document when that is current (one
        query in all); otherwise rendered, and stored for the next reader."""
        if self.previewer() is None:  # a reader: the stored document, if it may be served
            served = stored_pages.served_document(kwargs.get("slug", ""))
            if served is not None:
                document, stored = served
                return HttpResponse(stored_pages.fill(document, stored, self.origin()))
        try:
            self.object = self.get_object()
        except Http404:
            return self.gone_or_404(kwargs.get("slug"))
        try:
            stored = self.object.stored_page
        except StoredPage.DoesNotExist:
            stored = None
        document = None if self.is_preview else stored_pages.document_for(stored)
        if document is not None:
            return HttpResponse(stored_pages.fill(document, stored, self.origin()))
        self.object = self.for_render(self.object)
        return self.render_to_response(self.get_context_data(object=self.object))

    def gone_or_404(self, slug):
        moved_to = SlugRedirect.objects.live_target(slug)
        if moved_to is not None:
            # For good (search engines move the page's standing to the new address), but
            # readers' browsers ask again: an article may take the old slug later.
            response = HttpResponsePermanentRedirect(moved_to.get_absolute_url())
            patch_cache_control(response, no_cache=True)
            return response
        retracted = Article.objects.filter(slug=slug, status=Article.Status.RETRACTED).first()
        if retracted is None:
            raise Http404("No such article.")
        # Gone for good, and said so: search engines drop it, readers learn why.
        return render(self.request, "explainers/retracted.html", {"article": retracted}, status=410)

    def origin(self):
        return site_origin(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        page = stored_pages.page_for(article)
        if page is None:
            raise Http404("The article was deleted.")
        context.update(
            page=page,
            head=mark_safe(stored_pages.HEAD_MARK),  # noqa: S308 - filled in by render_to_response
            related=[project_article(related) for related in article.related_reading()],
            is_preview=self.is_preview,
            default_tolerance=article.work.default_tolerance_rank(),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.render()
        document = response.content.decode()
        page = context["page"]
        if context["is_preview"]:
            # A staff preview of a draft: never stored by any cache, never indexed.
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        else:
            stored_pages.store_document(page, document, stored_pages.valid_until(self.object))
        response.content = stored_pages.fill(document, page, self.origin())
        return response


class WorkDetailView(CanonicalMixin, DetailView):
    template_name = "explainers/work_detail.html"
    context_object_name = "work"
    query_params = ("page",)
    paginate_by = 12

    def get_queryset(self):
        return Work.objects.select_related("poster__spoiler_level").prefetch_related(
            Prefetch("credits", queryset=Credit.objects.select_related("person")),
            "poster__renditions",
        )

    def get_context_data(self, **kwargs):
        work = self.object
        page = Paginator(work.articles.published().for_listing(), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        kwargs.update(
            page_obj=page,
            is_paginated=page.has_other_pages(),
            poster=safe_image(work.poster),
            teasers=[project_article(article) for article in page],
        )
        return super().get_context_data(**kwargs)


class WorkListView(CanonicalMixin, ListView):
    """Every work, A–Z or by its newest explainer, optionally of one kind."""

    template_name = "explainers/work_list.html"
    context_object_name = "works"
    query_params = ("kind", "sort", "page")
    paginate_by = 24
    SORTS = {"az": "A–Z", "newest": "Newest explainers"}

    def filters(self):
        kind = self.request.GET.get("kind", "")
        sort = self.request.GET.get("sort", "")
        return (
            kind if kind in Work.Kind.values else "",
            sort if sort in self.SORTS else "az",
        )

    def canonical_params(self):
        kind, _ = self.filters()
        return {"kind": kind} if kind else {}

    def get_queryset(self):
        kind, sort = self.filters()
        published = Article.objects.published().filter(work=OuterRef("pk"))
        count = published.order_by().values("work").annotate(n=Count("pk")).values("n")
        works = (
            Work.objects.select_related("poster__spoiler_level")
            .prefetch_related("poster__renditions")
            .annotate(
                explainer_count=Subquery(count),
                latest_explainer=Subquery(
                    published.order_by("-published_at").values("published_at")[:1]
                ),
            )
        )
        if kind:
            works = works.filter(kind=kind)
        if sort == "newest":
            return works.order_by(F("latest_explainer").desc(nulls_last=True), "title", "pk")
        return works.order_by("title", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind, sort = self.filters()
        context.update(
            kind=kind,
            sort=sort,
            kinds=Work.Kind.choices,
            sorts=self.SORTS.items(),
            cards=[(work, safe_image(work.poster)) for work in context["works"]],
        )
        return context


class ReportMixin:
    """Reports are only taken for published articles; anything else is a 404."""

    def dispatch(self, request, *args, **kwargs):
        self.article = get_object_or_404(
            Article.objects.published().select_related("work", "hero_image__spoiler_level"),
            slug=kwargs["slug"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            safe=project_article(self.article),
            report_url=reverse("explainers:report_spoiler", kwargs={"slug": self.article.slug}),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Holds a CSRF token or a reader's own outcome: never shared through a cache.
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class ReportSpoilerView(ReportMixin, TemplateView):
    """ "Report an unmarked spoiler": a page of its own, so the article page stays one
    cacheable page with no CSRF token in it. Linked from each section as
    ``?section=<id>``, and from the end of the article for the article as a whole."""

    template_name = "explainers/report.html"
    query_params = ("section",)

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("section", "")
        form = ReaderReportForm(article=self.article, initial={"section": raw or None})
        if raw:
            # isdigit() alone is true of "²" and "٣", which int() refuses or reads as 3;
            # 18 digits always fit a database integer.
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
                return self.unknown_section(status=400)
            section = form.fields["section"].queryset.filter(pk=int(raw)).first()
            if section is None:
                return self.unknown_section(status=404)
            form.initial["section"] = section.pk
            return self.render_to_response(self.get_context_data(form=form, section=section))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = ReaderReportForm(request.POST, article=self.article)
        if not form.is_valid():
            if form.forged_section:
                return self.unknown_section(status=400)
            context = self.get_context_data(form=form, section=self.posted_section(form))
            return self.render_to_response(context, status=400)
        fingerprint = client_fingerprint(throttling.client_address(request))
        if not throttling.take_report_slot(fingerprint):
            minutes = -(-throttling.retry_after_seconds() // 60)
            response = self.response_class(
                request=request,
                template="explainers/report_limited.html",
                context=self.get_context_data(minutes=minutes),
                status=429,
            )
            response["Retry-After"] = str(throttling.retry_after_seconds())
            add_never_cache_headers(response)
            return response
        if not form.is_bot:  # a bot is thanked like anyone, and nothing is kept
            form.save(fingerprint=fingerprint)
        return redirect("explainers:report_thanks", slug=self.article.slug)

    def posted_section(self, form):
        return form.cleaned_data.get("section") if hasattr(form, "cleaned_data") else None

    def get_context_data(self, section=None, **kwargs):
        return super().get_context_data(
            section=section_label(section) if section else None,
            max_chars=settings.READER_REPORT_MAX_CHARS,
            **kwargs,
        )

    def unknown_section(self, *, status):
        context = self.get_context_data(unknown_section=True)
        return self.render_to_response(context, status=status)


class ReportThanksView(ReportMixin, TemplateView):
    template_name = "explainers/report_thanks.html"


class PersonDetailView(CanonicalMixin, DetailView):
    """A person's credits, and the explainers about the works they are credited on."""

    template_name = "explainers/person_detail.html"
    context_object_name = "person"
    query_params = ("page",)
    paginate_by = 12

    def get_queryset(self):
        # Within a work, in the credits' own order (role, then billing): without it
        # PostgreSQL gave "Writer, Director" as often as "Director, Writer".
        credits = Credit.objects.select_related("work").order_by(
            "-work__year", "work__title", "work_id", "role", "order", "id"
        )
        return Person.objects.prefetch_related(Prefetch("credits", queryset=credits))

    def get_context_data(self, **kwargs):
        person = self.object
        works = Work.objects.filter(credits__person=person)
        articles = Article.objects.published().filter(work__in=works).for_listing()
        page = Paginator(articles, self.paginate_by).get_page(self.request.GET.get("page"))
        kwargs.update(
            page_obj=page,
            is_paginated=page.has_other_pages(),
            credits=group_credits(person.credits.all()),
            teasers=[project_article(article) for article in page],
        )
        return super().get_context_data(**kwargs)


def group_credits(credits):
    """A person's credits, one row per work: (work, ["Director", "Writer"], characters)."""
    rows = {}
    for credit in credits:
        work, roles, characters = rows.setdefault(credit.work_id, (credit.work, [], []))
        if credit.get_role_display() not in roles:
            roles.append(credit.get_role_display())
        if credit.character_name:
            characters.append(credit.character_name)
    return list(rows.values())


class SearchView(TemplateView):
    template_name = "explainers/search.html"
    query_params = ("q", "work", "kind", "reach", "page")

    def get(self, request, *args, **kwargs):
        # Searches the page cache already holds cost nothing and never get here; a client
        # asking for many fresh ones in a minute is slowed down with a friendly page.
        if search.clean_query(request.GET.get("q", "")).terms:
            fingerprint = client_fingerprint(throttling.client_address(request))
            window = settings.SEARCH_WINDOW_SECONDS
            if not throttling.take_slot(
                "search", fingerprint, limit=settings.SEARCHES_PER_CLIENT, window=window
            ):
                response = render(
                    request,
                    "explainers/search_throttled.html",
                    {"retry_after": throttling.retry_after_seconds(window)},
                    status=429,
                )
                response["Retry-After"] = str(throttling.retry_after_seconds(window))
                return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        query = search.clean_query(params.get("q", ""))
        # Only the chosen work is looked up: listing every work in the form grew the page
        # (and its time) with the site; a work's own page links to a search within it.
        work = search.searchable_work(params.get("work"))
        levels = list(search.reach_levels())
        filters, ignored = self.read_filters(params, work, levels)
        context.update(
            query=query,
            work=work,
            levels=levels,
            kinds=Work.Kind.choices,
            filters=filters,
            ignored=ignored,
            max_query_chars=search.MAX_QUERY_CHARS,
        )
        if query.terms or filters:
            page = search.results_page(search.search(query, filters), query, params.get("page"))
            context.update(searched=True, page_obj=page, is_paginated=page.has_other_pages())
        return context

    @staticmethod
    def read_filters(params, found_work, levels):
        """Filters from the URL; an unknown value is ignored and said so, never an error."""
        ignored = []
        work = params.get("work") or None
        if work and found_work is None:
            ignored.append("work")
            work = None
        kind = params.get("kind") or None
        if kind and kind not in Work.Kind.values:
            ignored.append("kind")
            kind = None
        reach = params.get("reach") or None
        ranks = {str(level.rank): level.rank for level in levels}
        if reach is not None and reach not in ranks:
            ignored.append("spoiler level")
        reach = ranks.get(reach)
        return search.Filters(work=work, kind=kind, reach=reach), ignored

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Result pages are for people; search engines get the sitemap instead.
        response["X-Robots-Tag"] = "noindex, follow"
        return response


@require_GET
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the pages link: send them to the
    site's icon (hashed, long-cached by whitenoise)."""
    response = HttpResponsePermanentRedirect(static("explainers/icon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


@require_GET
def robots_txt(request):
    sitemap = absolute(reverse("sitemap"), request)
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /markdownx/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=86400)
    return response


class PreviewLinkView(ArticleDetailView):
    """A draft (or any article) through a signed, expiring link: that article only,
    never cached, never indexed, dead once it is retracted."""

    def get_object(self, queryset=None):
        try:
            pk = article_id_from(self.kwargs["token"])
        except PreviewLinkInvalid as invalid:
            self.invalid = str(invalid)
            raise Http404(str(invalid)) from invalid
        article = self.get_queryset().filter(pk=pk).first()
        if article is None or article.status == Article.Status.RETRACTED:
            self.invalid = "This preview link no longer works: the article was withdrawn."
            raise Http404(self.invalid)
        return article

    def get_queryset(self):
        return self.with_stored_page(Article.objects.all())

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            response = render(
                request,
                "explainers/preview_invalid.html",
                {"message": getattr(self, "invalid", "This preview link is not valid.")},
                status=404,
            )
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response
        self.is_preview = True  # whatever its state: never stored, never indexed
        self.object = self.for_render(self.object)
        context = self.get_context_data(object=self.object)
        context["is_preview"] = True
        context["preview_link"] = True
        return self.render_to_response(context)
