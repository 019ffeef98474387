"""The old addresses of live articles (``SlugRedirect``, written by the save path when a
slug changes): listed for the newsroom, removable by those who publish. A slug renamed
because it gave something away still answers with a redirect until someone removes it
here; then it answers 404, like an address that never existed."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .. import permissions
from .base import EditorialAdmin


class SlugRedirectAdmin(EditorialAdmin):
    list_display = ["old_address", "leads_to", "created_at"]
    list_select_related = ["article"]
    search_fields = ["old_slug", "article__title", "article__slug"]
    readonly_fields = ["old_slug", "article", "created_at"]
    actions = ["delete_selected"]

    @admin.display(description="Old address", ordering="old_slug")
    def old_address(self, obj):
        return reverse("explainers:article", args=[obj.old_slug])

    @admin.display(description="Leads to", ordering="article__title")
    def leads_to(self, obj):
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:explainers_article_change", args=[obj.article_id]),
            obj.article.title,
            reverse("explainers:article", args=[obj.article.slug]),
        )

    # Written only by a save (never typed in); read by the newsroom; removed by publishers.
    def has_module_permission(self, request):
        return permissions.may_write_articles(request.user) or permissions.is_publisher(
            request.user
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return permissions.is_publisher(request.user)
