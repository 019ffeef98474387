"""Works (with their cast, crew and parts), people and sources: the shared objects that
articles show, changed as ``permissions.may_change_shared`` allows."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models

from .. import leaks, permissions
from ..models import (
    Article,
    Credit,
    WorkPart,
)
from ..models.works import POSTER_MESSAGE
from .base import (
    PublicTextForm,
    RecheckPublishedMixin,
    SharedObjectAdmin,
    SharedWorkInline,
    live_forms,
)


class SourceForm(PublicTextForm):
    public_fields = ("title", "author", "publisher")


class WorkForm(PublicTextForm):
    public_fields = ("title", "platform", "synopsis")

    def terms(self):
        return leaks.terms_for_work(self.instance if self.instance.pk else None)


class WorkPartFormSet(forms.BaseInlineFormSet):
    """Part labels are offered to readers as progress choices: spoiler-free only."""

    def clean(self):
        super().clean()
        terms = leaks.terms_for_work(self.instance if self.instance.pk else None)
        for form in live_forms(self):
            label = form.cleaned_data.get("label", "")
            for message in leaks.leaks_in_public_text(label, terms, field="label"):
                form.add_error("label", f"{message}; readers pick their progress from it.")


class CreditFormSet(forms.BaseInlineFormSet):
    """The cast's character names are listed on the work page: spoiler-free only."""

    def clean(self):
        super().clean()
        terms = leaks.terms_for_work(self.instance if self.instance.pk else None)
        for form in live_forms(self):
            name = form.cleaned_data.get("character_name", "")
            for message in leaks.leaks_in_public_text(name, terms, field="character name"):
                form.add_error("character_name", f"{message}; the work page lists the cast.")


class SourceAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    form = SourceForm
    list_display = ["title", "kind", "author", "publisher", "published_on"]
    list_filter = ["kind"]
    search_fields = ["title", "author", "publisher"]
    autocomplete_fields = ["work"]

    def affected_articles(self, obj):
        return Article.objects.live_or_scheduled().filter(citations__source=obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # an address typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CreditInline(SharedWorkInline, admin.TabularInline):
    model = Credit
    formset = CreditFormSet
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["role", "person", "character_name", "order"]


class WorkPartInline(SharedWorkInline, admin.TabularInline):
    model = WorkPart
    formset = WorkPartFormSet
    extra = 1
    fields = ["position", "label"]


class WorkAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    form = WorkForm
    list_display = ["title", "kind", "year", "platform"]
    list_filter = ["kind"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["poster"]
    inlines = [CreditInline, WorkPartInline]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "year", "release_date", "platform"]}),
        (None, {"fields": ["synopsis", "poster"]}),
        ("Spoiler window", {"fields": ["spoiler_window_days", "relaxed_tolerance"]}),
    ]

    WINDOW_FIELDS = ["spoiler_window_days", "relaxed_tolerance"]

    def has_change_permission(self, request, obj=None):
        # A moderator sets the spoiler window of any work, whoever else may change it.
        return super().has_change_permission(request, obj) or (
            obj is not None
            and admin.ModelAdmin.has_change_permission(self, request, obj)
            and permissions.may_set_spoiler_window(request.user)
        )

    def _window_only(self, request, obj):
        return obj is not None and not permissions.may_change_shared(request.user, obj)

    def affected_articles(self, obj):
        return Article.objects.live_or_scheduled().filter(work=obj)

    def get_readonly_fields(self, request, obj=None):
        # The window decides what opens for every reader by default: moderators (who
        # keep the spoiler ladder) set it, editors only see it.
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.may_set_spoiler_window(request.user):
            readonly += self.WINDOW_FIELDS
        if self._window_only(request, obj):
            readonly += [
                name
                for name in flatten_fieldsets(self.get_fieldsets(request, obj))
                if name not in readonly and name not in self.WINDOW_FIELDS
            ]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if self._window_only(request, obj):
            return {}  # the slug is shown read-only
        return super().get_prepopulated_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "poster":
            field.error_messages["invalid_choice"] = POSTER_MESSAGE
        return field


class PersonAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def affected_articles(self, obj):
        return Article.objects.live_or_scheduled().filter(work__credits__person=obj)
