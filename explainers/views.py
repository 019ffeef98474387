from django.db.models import Prefetch
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView

from .models import Article, Citation, Credit, Section, Work
from .safety import (
    project_article,
    safe_image,
    spoiler_map,
    strongest_section,
    summarize_warnings,
)


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
        sections = Section.objects.select_related(
            "spoiler_level", "image__spoiler_level", "reveals_through"
        ).prefetch_related("content_warnings")
        notes = Citation.objects.filter(number__isnull=False).select_related("source")
        directors = Credit.objects.filter(role=Credit.Role.DIRECTOR).select_related("person")
        return (
            Article.objects.visible_to(self.request.user)
            .select_related("work", "hero_image__spoiler_level")
            .prefetch_related(
                "authors",
                Prefetch("sections", queryset=sections),
                Prefetch("citations", queryset=notes.order_by("number")),
                Prefetch("work__credits", queryset=directors, to_attr="director_credits"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        sections = list(article.sections.all())
        context.update(
            safe=project_article(article),
            sections=sections,
            warnings=summarize_warnings(sections),
            spoiler_map=spoiler_map(sections),
            strongest=strongest_section(sections),
            notes=list(article.citations.all()),
            is_preview=not article.is_published(),
            directors=[credit.person for credit in article.work.director_credits],
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
