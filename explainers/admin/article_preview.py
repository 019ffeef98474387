"""The change form's preview: the reader's page, built from the form as it stands.

``<id>/preview/`` and ``add/preview/`` take the form posted unsaved, as the Checks panel
does (``ArticleChecksMixin._bound_forms`` and ``_change_to_check``), and hand it to
``services.articles.check``, which renders every body once through the save's own
pipeline and writes nothing. The bodies and note numbers are then put on the form's
unsaved rows in memory (``models.articles.apply_render``, what a save stores) and the page
is laid out by the templates of a stored page (``stored_pages.render_page``), so a
section looks in the preview exactly as it will on the reader's page.

The answer is JSON: the document to show in a sandboxed frame (``srcdoc``: the site's
own CSS and ``reveal.js``, no admin styles), and the levels and parts the "Read as"
menu offers. "Read as" is a reader who chose nothing, one who chose a level, one up to
a part of the work, one who has seen it all, or what a search engine or link preview
is given (the safe projection only).
"""

import json

from django.contrib.admin.utils import unquote
from django.forms.formsets import all_valid
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from .. import permissions, projection, stored_pages
from ..models import Credit, SpoilerLevel
from ..models.articles import apply_render
from ..origin import site_origin
from ..services import Refused
from ..services.articles import check

READ_AS_FIELD = "preview_read_as"


class PreviewRefused(Exception):
    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class NewSection:
    """A section not saved yet: it has no id, so the page cannot name it as it will once
    saved; it gets an anchor of its own for the preview. Everything else is the
    section's."""

    def __init__(self, section, number):
        self._section = section
        self.anchor = f"section-new-{number}"

    def __getattr__(self, name):
        return getattr(self._section, name)


def _json(message, status):
    return JsonResponse({"message": message}, status=status)


def read_as(value, levels, parts):
    """The reader the preview is for: (kind, shield preferences), from the posted
    ``preview_read_as``. Kinds: "reader" (chose nothing), "level", "part", "seen",
    "search"."""
    value = (value or "").strip()
    if value in ("", "reader"):
        return "reader", None
    if value == "seen":
        return "seen", {"seen": True}
    if value == "search":
        return "search", None
    kind, _, number = value.partition(":")
    if number.isdigit():
        number = int(number)
        if kind == "level" and number in {level.rank for level in levels}:
            return "level", {"tolerance": number}
        if kind == "part" and number in {part.position for part in parts}:
            label = next(part.label for part in parts if part.position == number)
            # Up to that part: everything through it, nothing after it.
            top = max((level.rank for level in levels), default=0)
            return "part", {"tolerance": top, "progress": number, "progressLabel": label}
    raise PreviewRefused(
        "There is no such reader to preview as. Pick one from the “Read as” menu.", 400
    )


class ArticlePreviewMixin:
    """The preview endpoints on ``ArticleAdmin``: POST only, CSRF-checked, for staff who
    may change the article (or add one). Needs ``ArticleChecksMixin``."""

    def get_urls(self):
        view = csrf_protect(never_cache(self.preview_view))
        extra = [
            path("add/preview/", view, name="explainers_article_preview_add"),
            path("<path:object_id>/preview/", view, name="explainers_article_preview"),
        ]
        return extra + super().get_urls()

    def preview_view(self, request, object_id=None):
        if request.method != "POST":
            response = _json("Post the article's form to preview it.", 405)
            response["Allow"] = "POST"
            return response
        try:
            obj = self._previewed(request, object_id)
            answer = self._preview(request, obj)
        except PreviewRefused as refused:
            return _json(str(refused), refused.status)
        response = JsonResponse(answer)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _previewed(self, request, object_id):
        """The saved article (None on the add form), if this user may preview it."""
        if not self.admin_site.has_permission(request):
            raise PreviewRefused("Sign in as staff to preview an article.", 403)
        if object_id is None:
            if not self.has_add_permission(request):
                raise PreviewRefused("You may not add articles.", 403)
            return None
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise PreviewRefused("No such article.", 404)
        if not self.has_change_permission(request, obj):
            raise PreviewRefused("You may not change this article.", 403)
        return obj

    def _preview(self, request, obj):
        form, formsets = self._bound_forms(request, obj)
        if any(not formset.management_form.is_valid() for formset in formsets):
            raise PreviewRefused(
                "This is not the article form's data: the sections or citations are "
                "missing their form counts. Reload the page.",
                400,
            )
        complete = form.is_valid()
        complete = all_valid(formsets) and complete
        article = form.instance
        if not article.work_id:
            raise PreviewRefused("Choose the work this explainer is about to see the preview.", 422)
        change = self._change_to_check(request, form, formsets)
        try:
            examined = check(change, user=request.user)
        except Refused as refusal:
            raise PreviewRefused(str(refusal), 403) from refusal
        data = self._page_data(request, change, examined.rendered)
        levels = list(SpoilerLevel.objects.order_by("rank"))
        kind, shield = read_as(request.POST.get(READ_AS_FIELD), levels, data.parts)
        if kind == "search":
            document = self._search_view(request, data)
        else:
            document = self._reader_view(request, data, shield)
        return {
            "html": document,
            "complete": complete,
            "read_as": kind,
            "levels": [{"rank": level.rank, "name": level.name} for level in levels],
            # Also what "Reveals through" may offer once the work changes, unsaved.
            "parts": [
                {"id": part.pk, "position": part.position, "label": part.label, "name": str(part)}
                for part in data.parts
            ],
        }

    def _page_data(self, request, change, rendered):
        """The page's data as the unsaved form has it, bodies and notes applied in
        memory as a save would store them."""
        article = change.article
        if change.sections is None:
            sections = list(_saved_sections(article))
            warnings = [list(section.content_warnings.all()) for section in sections]
        else:
            items = sorted(change.sections, key=lambda item: item.section.order)
            sections = [item.section for item in items]
            warnings = [_warnings_of(item) for item in items]
        if change.citations is None:
            citations = list(article.citations.select_related("source")) if article.pk else []
        else:
            citations = [citation for citation, _ in change.citations]
        apply_render(sections, citations, rendered)
        numbered = sorted(
            (citation for citation in citations if citation.number is not None),
            key=lambda citation: (citation.number, citation.pk or float("inf")),
        )
        authors = change.authors
        if authors is None:
            authors = list(article.authors.all()) if article.pk else []
        authors = list(authors)
        user = request.user
        if article.pk is None and not permissions.is_publisher(user) and user not in authors:
            authors.append(user)  # as the save makes a new article its writer's
        shown = [
            section if section.pk else NewSection(section, number)
            for number, section in enumerate(sections, start=1)
        ]
        work = article.work
        makers = Credit.objects.filter(
            work=work, role__in=stored_pages.maker_labels()
        ).select_related("person")
        return stored_pages.PageData(
            article=article,
            sections=shown,
            warnings=warnings,
            citations=numbered,
            authors=authors,
            makers=list(makers),
            parts=list(work.parts.all()),
        )

    def _reader_view(self, request, data, shield):
        """The reader's page, as ``ArticleDetailView`` lays it out around the body."""
        head, linked, body = stored_pages.render_page(data)
        article = data.article
        related = article.related_reading() if article.pk else []
        context = {
            "article": article,
            "page": {"body": body},
            "head": stored_pages.head_with(head, linked, site_origin(request)),
            "related": [projection.project_article(item) for item in related],
            "is_preview": False,  # the page exactly as readers get it: no banner
            "default_tolerance": article.work.default_tolerance_rank(),
            "preview_shield": json.dumps(shield) if shield else "",
            "preview_work": article.work.slug,
        }
        return render_to_string("admin/explainers/article/preview_frame.html", context, request)

    def _search_view(self, request, data):
        """What a search engine or a link preview is given: the safe projection."""
        article = data.article
        safe = projection.project_article(article)
        credits = Credit.objects.filter(work=article.work).select_related("person")
        document = projection.search_document(article, data.sections, credits)
        origin = site_origin(request)
        head, linked, _ = stored_pages.render_page(data)
        linked = {**linked, "url": origin + linked["url"]}
        if "image" in linked:
            linked["image"] = origin + linked["image"]
        context = {
            "safe": safe,
            "address": origin + safe.url,
            "host": origin.split("://", 1)[-1],
            "indexed": document.body,
            "linked": json.dumps(linked, ensure_ascii=False, indent=2),
        }
        return render_to_string("admin/explainers/article/preview_search.html", context, request)


def _saved_sections(article):
    if article.pk is None:
        return []
    return (
        article.sections.select_related("spoiler_level", "image__spoiler_level", "reveals_through")
        .prefetch_related("content_warnings", "image__renditions")
        .order_by("order", "id")
    )


def _warnings_of(item):
    """A section's content warnings as the form has them: the ticked ones when they
    changed, else the saved ones (none for a new section)."""
    if item.content_warnings is not None:
        return list(item.content_warnings)
    if item.section.pk is None:
        return []
    return list(item.section.content_warnings.all())
