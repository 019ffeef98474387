from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView, TemplateView

from . import moderation
from .forms import ReaderReportForm
from .models import Article, Citation, Credit, Section, Work
from .models.reports import client_fingerprint
from .previews import PreviewLinkInvalid, article_id_from
from .safety import (
    group_notes,
    project_article,
    safe_image,
    section_label,
    spoiler_map,
    strongest_section,
    structured_data,
    summarize_warnings,
)

# Who made the work, as the article's work box names them.
MAKER_LABELS = {
    Credit.Role.DIRECTOR: "Directed by",
    Credit.Role.CREATOR: "Created by",
    Credit.Role.AUTHOR: "Written by",
}


def group_makers(credits):
    grouped = {}
    for credit in credits:
        grouped.setdefault(MAKER_LABELS[credit.role], []).append(credit.person.name)
    return list(grouped.items())


class HomeView(ListView):
    template_name = "explainers/home.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        return Article.objects.published().select_related("work", "hero_image__spoiler_level")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["teasers"] = [project_article(article) for article in context["articles"]]
        return context


class ArticleDetailView(DetailView):
    template_name = "explainers/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return self.with_page_data(Article.objects.visible_to(self.previewer()))

    @staticmethod
    def with_page_data(articles):
        """Everything the page shows, in a fixed number of queries."""
        sections = Section.objects.select_related(
            "spoiler_level", "image__spoiler_level", "reveals_through"
        ).prefetch_related("content_warnings")
        notes = Citation.objects.filter(number__isnull=False).select_related("source")
        makers = Credit.objects.filter(role__in=MAKER_LABELS).select_related("person")
        return articles.select_related(
            "work__relaxed_tolerance", "hero_image__spoiler_level"
        ).prefetch_related(
            "authors",
            Prefetch("sections", queryset=sections),
            Prefetch("citations", queryset=notes.order_by("number", "id")),
            Prefetch("work__credits", queryset=makers, to_attr="maker_credits"),
            "work__parts",
        )

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            retracted = Article.objects.filter(
                slug=kwargs.get("slug"), status=Article.Status.RETRACTED
            ).first()
            if retracted is None:
                raise
            # Gone for good, and said so: search engines drop it, readers learn why.
            return render(request, "explainers/retracted.html", {"article": retracted}, status=410)

    def previewer(self):
        """The user who might preview a draft, or None for a reader with no session.

        Only look at the session when there is one: touching it marks the response
        ``Vary: Cookie``, and the anonymous page should be one cacheable page.
        """
        if settings.SESSION_COOKIE_NAME not in self.request.COOKIES:
            return None
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        sections = list(article.sections.all())
        for section in sections:
            section.warning_summary = summarize_warnings([section])
        safe = project_article(article)
        makers = group_makers(article.work.maker_credits)
        authors = [a.get_full_name() or a.get_username() for a in article.authors.all()]
        context.update(
            safe=safe,
            json_ld=structured_data(
                safe,
                base_url=self.request.build_absolute_uri("/").rstrip("/"),
                authors=authors,
                makers=makers,
                work=article.work,
            ),
            sections=sections,
            warnings=summarize_warnings(sections),
            spoiler_map=spoiler_map(sections),
            strongest=strongest_section(sections),
            notes=group_notes(article.citations.all()),
            is_preview=not article.is_published(),
            default_tolerance=article.work.default_tolerance_rank(),
            makers=makers,
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            # A staff preview of a draft: never stored by any cache, never indexed.
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class WorkDetailView(DetailView):
    template_name = "explainers/work_detail.html"
    context_object_name = "work"

    def get_queryset(self):
        return Work.objects.select_related("poster__spoiler_level").prefetch_related(
            Prefetch("credits", queryset=Credit.objects.select_related("person")),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        work = self.object
        articles = work.articles.published().select_related("work", "hero_image__spoiler_level")
        context.update(
            poster=safe_image(work.poster),
            teasers=[project_article(article) for article in articles],
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

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("section", "")
        form = ReaderReportForm(article=self.article, initial={"section": raw or None})
        if raw:
            if not raw.isdigit():
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
        fingerprint = client_fingerprint(moderation.client_address(request))
        if not moderation.take_report_slot(fingerprint):
            minutes = -(-moderation.retry_after_seconds() // 60)
            response = self.response_class(
                request=request,
                template="explainers/report_limited.html",
                context=self.get_context_data(minutes=minutes),
                status=429,
            )
            response["Retry-After"] = str(moderation.retry_after_seconds())
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
        return self.with_page_data(Article.objects.all())

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
        context = self.get_context_data(object=self.object)
        context["is_preview"] = True
        context["preview_link"] = True
        return self.render_to_response(context)
