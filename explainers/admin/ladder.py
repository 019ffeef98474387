"""The moderators' lists: the spoiler ladder, content warnings, spoiler terms and the leak
check's word families."""

from django.contrib import admin

from ..models import (
    Article,
)
from .base import EditorialAdmin, RecheckPublishedMixin


class SpoilerLevelAdmin(EditorialAdmin):
    list_display = ["rank", "name", "reader_warning"]
    list_display_links = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "rank" in form.changed_data:
            # Stored HTML carries ranks (deferred images, held images and notes say their
            # level): every article showing the level anywhere, a section, a section's
            # image or an image in a body, is rendered again. Rank moves are rare and
            # bodies are not searched by image address here, so: every article.
            articles = Article.objects.all()
            for article in articles:
                article.render_sections()
            self.message_user(
                request,
                f"Re-rendered {len(articles)} article(s): stored pages carry the rank of "
                f"“{obj.name}”.",
            )


class ContentWarningAdmin(EditorialAdmin):
    list_display = ["name", "is_spoiler", "description"]
    list_filter = ["is_spoiler"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class SpoilerTermAdmin(RecheckPublishedMixin, EditorialAdmin):
    list_display = ["phrase", "work", "spoiler_level", "variants_in_short"]
    list_filter = ["spoiler_level", "work"]  # the work filter offers "(None)": global terms
    search_fields = ["phrase", "variants", "notes", "work__title"]
    autocomplete_fields = ["work"]
    fields = ["phrase", "variants", "work", "spoiler_level", "notes"]
    list_select_related = ["work", "spoiler_level"]
    notify_authors = True

    def term_of(self, obj):
        # The authors hear of what this term finds, not of the leaks other terms found.
        return obj.phrase.strip()

    def affected_articles(self, obj):
        articles = Article.objects.live_or_scheduled()
        return articles if obj.work_id is None else articles.filter(work=obj.work_id)

    @admin.display(description="variants")
    def variants_in_short(self, obj):
        return ", ".join(obj.variant_list()) or "—"


class WordFamilyAdmin(RecheckPublishedMixin, EditorialAdmin):
    """Words that say the same thing for the leak check: a term written with one of them
    matches a text written with another. A change applies to every work's terms, so the
    live articles are checked again after it."""

    list_display = ["name", "category", "words_in_short"]
    list_filter = ["category"]
    search_fields = ["name", "words", "notes"]
    fields = ["name", "category", "words", "notes"]
    notify_authors = True

    def affected_articles(self, obj):
        return Article.objects.live_or_scheduled()

    @admin.display(description="words")
    def words_in_short(self, obj):
        words = obj.word_list()
        shown = ", ".join(words[:8])
        return f"{shown}, … ({len(words)})" if len(words) > 8 else shown
