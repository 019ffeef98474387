"""The article screen's own views and actions: revisions (list, diff, restore), the
preview link, the presence heartbeat, and the bulk workflow actions."""

from django.conf import settings
from django.contrib import admin, messages

from .. import permissions, revisions
from ..models import (
    Article,
    AuditEntry,
)
from ..services import Refused
from ..services import articles as services


class ArticleViewsMixin:
    """Revision history (compare any two, restore one), shareable preview links, the
    "who else is here" endpoint and the workflow's bulk actions, for ``ArticleAdmin``."""

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view
        extra = [
            path(
                "<path:object_id>/revisions/",
                view(self.revisions_view),
                name="explainers_article_revisions",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                view(self.compare_view),
                name="explainers_article_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name="explainers_article_restore",
            ),
            path(
                "<path:object_id>/preview-link/",
                view(self.preview_link_view),
                name="explainers_article_preview_link",
            ),
            path(
                "<path:object_id>/presence/",
                view(self.presence_view),
                name="explainers_article_presence",
            ),
        ]
        return extra + super().get_urls()

    def _article_or_403(self, request, object_id, *, change=False):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("No such article.")
        allowed = (
            self.has_change_permission(request, article)
            if change
            else self.has_view_permission(request, article)
        )
        if not allowed:
            raise PermissionDenied
        return article

    def _render(self, request, template, article, **context):
        from django.template.response import TemplateResponse

        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": article,
                "article": article,
                "title": context.pop("title", str(article)),
                **context,
            },
        )

    def revisions_view(self, request, object_id):
        article = self._article_or_403(request, object_id)
        versions = list(revisions.versions_of(article))
        can_restore = permissions.can_edit_content(request.user, article)
        return self._render(
            request,
            "admin/explainers/article/revisions.html",
            article,
            title=f"History of “{article}”",
            versions=versions,
            can_restore=can_restore,
        )

    def _version(self, article, version_id):
        from django.http import Http404

        version = next((v for v in revisions.versions_of(article) if v.pk == version_id), None)
        if version is None:
            raise Http404("No such revision of this article.")
        return version

    def compare_view(self, request, object_id):
        from django.http import HttpResponseBadRequest

        article = self._article_or_403(request, object_id)
        try:
            older_id, newer_id = int(request.GET["a"]), int(request.GET["b"])
        except (KeyError, ValueError):
            return HttpResponseBadRequest("Pick two revisions to compare.")
        older, newer = self._version(article, older_id), self._version(article, newer_id)
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        comparison = revisions.compare(revisions.snapshot(older), revisions.snapshot(newer))
        return self._render(
            request,
            "admin/explainers/article/compare.html",
            article,
            title=f"Compare revisions of “{article}”",
            comparison=comparison,
            can_restore=permissions.can_edit_content(request.user, article),
        )

    def restore_view(self, request, object_id, version_id):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect

        article = self._article_or_403(request, object_id)
        if not permissions.can_edit_content(request.user, article):
            raise PermissionDenied
        version = self._version(article, version_id)
        if request.method == "POST":
            try:
                services.restore(version, user=request.user)
            except Refused as refusal:
                self.message_user(request, str(refusal), level=messages.ERROR)
                return redirect("admin:explainers_article_revisions", article.pk)
            when = f"{version.revision.date_created:%Y-%m-%d %H:%M}"
            self.message_user(
                request,
                f"Restored the revision of {when} as a new revision; the one before it is "
                "still in the history.",
                level=messages.SUCCESS,
            )
            return redirect("admin:explainers_article_change", article.pk)
        current = next(iter(revisions.versions_of(article)), None)
        comparison = (
            revisions.compare(revisions.snapshot(current), revisions.snapshot(version))
            if current is not None
            else None
        )
        return self._render(
            request,
            "admin/explainers/article/restore.html",
            article,
            title=f"Restore an earlier revision of “{article}”",
            version=version,
            comparison=comparison,
        )

    def preview_link_view(self, request, object_id):
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseNotAllowed

        from ..previews import preview_url

        article = self._article_or_403(request, object_id)
        if not permissions.may_share_preview(request.user, article):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if article.status == Article.Status.RETRACTED:
            self.message_user(request, "A retracted article has no preview.", messages.ERROR)
            link = None
        else:
            link = request.build_absolute_uri(preview_url(article))
            AuditEntry.record(
                "explainers.article.preview_link_shared",
                actor=request.user,
                subject=article.title,
                article=article,
            )
        return self._render(
            request,
            "admin/explainers/article/preview_link.html",
            article,
            title=f"Preview link for “{article}”",
            link=link,
            max_age_days=settings.PREVIEW_LINK_DAYS,
        )

    def presence_view(self, request, object_id):
        from django.http import JsonResponse

        from ..presence import heartbeat

        article = self._article_or_403(request, object_id)
        try:
            opened = int(request.GET.get("opened", ""))
        except ValueError:
            opened = None
        response = JsonResponse(heartbeat(article, request.user, opened))
        response["Cache-Control"] = "no-store"
        return response

    # -- bulk workflow actions -------------------------------------------------------------

    def _transition_selected(self, request, queryset, target, done):
        moved = 0
        for article in queryset:
            try:
                services.transition(article, target, user=request.user)
                moved += 1
            except Refused as refusal:
                self.message_user(request, f"“{article}”: {refusal}", level=messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} article(s) {done}.", level=messages.SUCCESS)

    @admin.action(description="Submit selected articles for review")
    def submit_for_review(self, request, queryset):
        self._transition_selected(request, queryset, Article.Status.IN_REVIEW, "submitted")

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._transition_selected(request, queryset, Article.Status.PUBLISHED, "published")

    @admin.action(description="Retract selected articles", permissions=["publish"])
    def retract(self, request, queryset):
        self._transition_selected(request, queryset, Article.Status.RETRACTED, "retracted")

    def has_publish_permission(self, request):
        return permissions.is_publisher(request.user)
