from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html, format_html_join
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from . import leaks
from .models import (
    Article,
    Citation,
    ContentWarning,
    Credit,
    DismissedSuggestion,
    Image,
    LeakOverride,
    Person,
    Section,
    Source,
    SpoilerLevel,
    SpoilerTerm,
    Work,
    WorkPart,
)
from .models.articles import HERO_IMAGE_MESSAGE
from .models.works import POSTER_MESSAGE
from .rendering import CitationNumbering, render_markdown


def _live_forms(formset):
    """Forms that will be saved: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


class SectionFormSet(forms.BaseInlineFormSet):
    """Checks sections as the reader will meet them, and against the article's citations.

    ``citation_formset`` is attached by ``ArticleAdmin`` so unknown keys can be reported
    before anything is saved.
    """

    citation_formset = None

    def known_citation_keys(self):
        citations = self.citation_formset
        if citations is None:
            # No citation inline on this page (the user may not edit citations).
            if self.instance.pk is None:
                return set()
            return {citation.key for citation in self.instance.citations.all()}
        citations.is_valid()  # cleans once; the result is cached for the admin's own check
        return {form.cleaned_data.get("key") for form in _live_forms(citations)} - {None, ""}

    def assign_missing_orders(self, live):
        """Sections left at order 0 go after the others, in the order they are listed."""
        next_order = max((form.cleaned_data.get("order") or 0 for form in live), default=0)
        for form in live:
            if not form.cleaned_data.get("order"):
                next_order += 1
                form.cleaned_data["order"] = next_order
                form.instance.order = next_order

    def clean(self):
        super().clean()
        live = _live_forms(self)
        self.assign_missing_orders(live)
        live.sort(key=lambda form: form.cleaned_data["order"])
        numbering = CitationNumbering(self.known_citation_keys())
        problems = []
        for position, form in enumerate(live, start=1):
            data = form.cleaned_data
            level = data.get("spoiler_level")
            heading = data.get("heading") or "untitled"
            name = f"Section {position} (“{heading}”)"
            if level is not None and level.rank > 0 and not data.get("safe_heading", "").strip():
                message = (
                    f"{name} is marked {level.name} but has no safe heading. Add a heading "
                    "that gives nothing away; readers see it while the section is collapsed."
                )
                form.errors.pop("safe_heading", None)  # the model's own, unnumbered, message
                form.add_error("safe_heading", message)
                problems.append(message)
            image = data.get("image")
            if level is not None and image is not None and image.spoiler_level.rank > level.rank:
                message = (
                    f"The image in section {position} (“{heading}”) is marked "
                    f"{image.spoiler_level.name}, above "
                    f"the section's level ({level.name}). Raise the section's level or pick "
                    "another image."
                )
                form.add_error("image", message)
                problems.append(message)
            part = data.get("reveals_through")
            work_id = getattr(self.instance, "work_id", None)
            if part is not None and work_id is not None and part.work_id != work_id:
                message = (
                    f"{name} reveals through “{part}”, a part of another work. Pick a chapter "
                    f"or episode of {self.instance.work.title}."
                )
                form.add_error("reveals_through", message)
                problems.append(message)
            rendered = render_markdown(data.get("body", ""), numbering=numbering)
            if rendered.unclosed_spoiler:
                message = (
                    f"{name} has an inline spoiler that is not closed: “||” opens one and "
                    "another “||” must close it in the same paragraph, or the text after it "
                    "shows to every reader. For literal bars, put them in `backticks`."
                )
                form.add_error("body", message)
                problems.append(message)
            for key in rendered.unknown_keys:
                message = (
                    f"Unknown citation key '{key}' in section {position} (“{heading}”). Add a "
                    f"citation with the key '{key}' under Citations, or correct the marker."
                )
                form.add_error("body", message)
                problems.append(message)
        if problems:
            raise forms.ValidationError(problems)


class SectionInline(admin.StackedInline):
    model = Section
    formset = SectionFormSet
    extra = 1
    fields = [
        ("order", "spoiler_level"),
        "heading",
        "safe_heading",
        "body",
        ("image", "reveals_through"),
        "content_warnings",
    ]
    formfield_overrides = {MarkdownxField: {"widget": AdminMarkdownxWidget}}
    autocomplete_fields = ["image"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "content_warnings":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "spoiler_level":
            kwargs.setdefault("initial", SpoilerLevel.objects.filter(rank=0).first())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 1
    fields = ["key", "source", "locator", "quotation", "number"]
    readonly_fields = ["number"]
    autocomplete_fields = ["source"]
    formfield_overrides = {
        Citation._meta.get_field("quotation").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 40})
        }
    }


class ArticleAdminForm(forms.ModelForm):
    """The article form, with the leak check run on what was submitted before anything
    is saved. ``ArticleAdmin`` sets ``request`` (per request, on the class it builds) and
    hands over the section formset through the request (``leak_check_sections``)."""

    leak_override_reason = forms.CharField(
        label="Override reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Moderators only. To publish although the leak check found leaks, say "
        "why. The reason and the leaks are kept with the article.",
    )

    dismiss_suggestions = forms.MultipleChoiceField(
        label="Suggestions to dismiss",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Sentences the leak check found suspicious when this article was last "
        "saved. Tick those that give nothing away: they will not be suggested again.",
    )

    request = None
    leak_report = None
    leak_verdict = leaks.Verdict()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if self.instance.pk is not None:
            dismissed = set(self.instance.dismissed_suggestions.values_list("snippet", flat=True))
            suggestions = leaks.check_saved_article(self.instance).suggestions
            choices = [(s.snippet, s.message) for s in suggestions if s.snippet not in dismissed]
        self.fields["dismiss_suggestions"].choices = choices
        if not choices:
            self.fields["dismiss_suggestions"].help_text = "None outstanding."

    def _post_clean(self):
        # The instance now holds the submitted fields, as the section formset expects.
        super()._post_clean()
        if self._errors or self.request is None:
            return
        sections = self._submitted_sections()
        if sections is None:
            return  # the sections have errors of their own; they are shown with them
        data = self.cleaned_data
        work = data.get("work")
        self.leak_report = leaks.check_article(
            title=data.get("title", ""),
            dek=data.get("dek", ""),
            slug=data.get("slug", ""),
            hero_image=data.get("hero_image"),
            sections=sections,
            terms=leaks.terms_for_work(work),
            characters=leaks.characters_for_work(work),
        )
        self.leak_verdict = leaks.judge(
            self.leak_report,
            publishing=data.get("status") == Article.Status.PUBLISHED,
            user=self.request.user,
            override_reason=data.get("leak_override_reason", ""),
            accepted=self._accepted_leaks(),
        )
        if self.leak_verdict.refused:
            self.add_error(None, [self.leak_verdict.problem, *self.leak_report.messages])

    def _accepted_leaks(self):
        """The leaks a moderator published over last time: a later save (a typo fixed)
        is not refused for them again; a new leak still is."""
        if self.instance.pk is None:
            return ()
        latest = self.instance.leak_overrides.order_by("-created_at", "-pk").first()
        return latest.leaks.splitlines() if latest else ()

    def _submitted_sections(self):
        """The sections as submitted, in reading order; None if they do not validate."""
        formset = getattr(self.request, "leak_check_sections", None)
        if formset is None:
            # No section inline on this page: the saved sections stand.
            if self.instance.pk is None:
                return []
            return list(
                self.instance.sections.select_related("spoiler_level", "image__spoiler_level")
            )
        if not formset.is_valid():
            return None
        live = _live_forms(formset)
        live.sort(key=lambda form: form.cleaned_data["order"])
        return [form.cleaned_data for form in live]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "work", "status", "is_published", "published_at", "updated_at"]
    list_filter = ["status", "work", "sections__spoiler_level"]
    search_fields = ["title", "dek", "slug", "sections__heading", "work__title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["work", "hero_image"]
    filter_horizontal = ["authors", "related"]
    date_hierarchy = "published_at"
    inlines = [SectionInline, CitationInline]
    form = ArticleAdminForm
    readonly_fields = ["leak_check_overrides"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "work", "hero_image"]}),
        ("Publishing", {"fields": ["status", "published_at", "authors"]}),
        ("Further reading", {"fields": ["related"], "classes": ["collapse"]}),
    ]

    class Media:
        js = ["explainers/admin/markdownx-inlines.js"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = []
        if obj is not None:
            fields.append("leak_check_overrides")
            fields.append("dismiss_suggestions")
        if leaks.can_override(request.user):
            fields.append("leak_override_reason")
        if fields:
            fieldsets.append(("Leak check", {"fields": fields}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # a class made for this request by modelform_factory
        return form

    @admin.display(description="Leak-check overrides")
    def leak_check_overrides(self, obj):
        overrides = list(obj.leak_overrides.select_related("user")) if obj and obj.pk else []
        if not overrides:
            return "None: the article has never been published over a leak."
        return format_html(
            '<ul class="leak-overrides">{}</ul>',
            format_html_join(
                "",
                "<li><strong>{}</strong> by {}: {}<br><small>Overrode: {}</small></li>",
                (
                    (
                        f"{override.created_at:%Y-%m-%d %H:%M}",
                        override.user or "a deleted user",
                        override.reason,
                        "; ".join(override.leaks.splitlines()),
                    )
                    for override in overrides
                ),
            ),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "hero_image":
            # Only level-0 images are choices; say why when another one is posted.
            field.error_messages["invalid_choice"] = HERO_IMAGE_MESSAGE
        return field

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        citations = next((fs for fs in formsets if fs.model is Citation), None)
        for formset in formsets:
            if isinstance(formset, SectionFormSet):
                formset.citation_formset = citations
                request.leak_check_sections = formset  # for ArticleAdminForm's leak check
        return formsets, inline_instances

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        report = form.instance.render_sections()
        for key in report.unused_keys:
            self.message_user(
                request,
                f"Citation '{key}' is not cited in any section, so it is not shown as a "
                f"note. Cite it with [@{key}] or remove it.",
                level=messages.WARNING,
            )
        self.report_leak_check(request, form)

    def report_leak_check(self, request, form):
        """After a save: record an override, warn of standing leaks, offer suggestions."""
        report = form.leak_report
        if report is None:
            return
        if form.leak_verdict.overridden:
            form.leak_override = LeakOverride.record(
                article=form.instance,
                user=request.user,
                reason=form.cleaned_data["leak_override_reason"],
                leaks=report.messages,
            )
            self.message_user(
                request,
                "Published over the leak check: your override, its reason and the leaks "
                "below are kept with the article.",
                level=messages.WARNING,
            )
        advice = "" if form.leak_verdict.overridden else ". Fix it before publishing"
        for message in report.messages:
            self.message_user(request, f"{message}{advice}.", level=messages.WARNING)
        for snippet in form.cleaned_data.get("dismiss_suggestions", []):
            DismissedSuggestion.objects.get_or_create(
                article=form.instance, snippet=snippet, defaults={"dismissed_by": request.user}
            )
        dismissed = set(form.instance.dismissed_suggestions.values_list("snippet", flat=True))
        for suggestion in report.suggestions:
            if suggestion.snippet not in dismissed:
                self.message_user(request, suggestion.message, level=messages.INFO)

    def construct_change_message(self, request, form, formsets, add=False):
        change_message = super().construct_change_message(request, form, formsets, add)
        override = getattr(form, "leak_override", None)
        if override is not None:
            # Shown in the article's history: "Added leak-check override “…”."
            change_message.append(
                {"added": {"name": "leak-check override", "object": override.reason}}
            )
        return change_message


class RecheckPublishedMixin:
    """After a change that can create leaks in articles already live (a new spoiler
    term, an image's new alt text or level), run the leak check on them again and tell
    whoever made the change where the leaks now stand."""

    def affected_articles(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        articles = self.affected_articles(obj).select_related("work", "hero_image__spoiler_level")
        for article in articles.distinct():
            for message in leaks.check_saved_article(article).messages:
                self.message_user(
                    request,
                    f"Published article “{article.title}” now has a leak. {message}. "
                    "Ask its editor to fix it.",
                    level=messages.WARNING,
                )


class PublicTextForm(forms.ModelForm):
    """Fields every visitor sees, whatever they chose to reveal, must hold no spoiler
    term: a work's synopsis, a source's title (shown in the notes)."""

    public_fields = ()

    def terms(self):
        return leaks.terms_for_work(self.cleaned_data.get("work"))

    def clean(self):
        cleaned = super().clean()
        terms = self.terms()
        for name in self.public_fields:
            for message in leaks.leaks_in_public_text(
                cleaned.get(name, ""), terms, field=self.fields[name].label.lower()
            ):
                self.add_error(name, f"{message}; every visitor sees this field.")
        return cleaned


class SourceForm(PublicTextForm):
    public_fields = ("title",)


class WorkForm(PublicTextForm):
    public_fields = ("synopsis",)

    def terms(self):
        return leaks.terms_for_work(self.instance if self.instance.pk else None)


class WorkPartFormSet(forms.BaseInlineFormSet):
    """Part labels are offered to readers as progress choices: spoiler-free only."""

    def clean(self):
        super().clean()
        terms = leaks.terms_for_work(self.instance if self.instance.pk else None)
        for form in _live_forms(self):
            label = form.cleaned_data.get("label", "")
            for message in leaks.leaks_in_public_text(label, terms, field="label"):
                form.add_error("label", f"{message}; readers pick their progress from it.")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["title", "kind", "author", "publisher", "published_on"]
    list_filter = ["kind"]
    search_fields = ["title", "author", "publisher"]
    autocomplete_fields = ["work"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # an address typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["role", "person", "character_name", "order"]


class WorkPartInline(admin.TabularInline):
    model = WorkPart
    formset = WorkPartFormSet
    extra = 1
    fields = ["position", "label"]


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        # The window decides what opens for every reader by default: moderators (who
        # keep the spoiler ladder) set it, editors only see it.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("explainers.change_spoilerlevel"):
            readonly += ["spoiler_window_days", "relaxed_tolerance"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "poster":
            field.error_messages["invalid_choice"] = POSTER_MESSAGE
        return field


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Image)
class ImageAdmin(RecheckPublishedMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "credit", "spoiler_level", "created_at"]
    list_filter = ["spoiler_level"]
    search_fields = ["alt_text", "caption", "credit"]
    fields = ["file", "alt_text", "credit", "caption", "spoiler_level"]

    def affected_articles(self, obj):
        return Article.objects.published().filter(
            models.Q(sections__image=obj) | models.Q(hero_image=obj)
        )

    @admin.display(description="image")
    def thumbnail(self, obj):
        if not obj.file:
            return "—"
        return format_html('<img src="{}" alt="" style="height:48px;width:auto">', obj.file.url)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "spoiler_level":
            kwargs.setdefault("initial", SpoilerLevel.objects.filter(rank=0).first())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SpoilerLevel)
class SpoilerLevelAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "reader_warning"]
    list_display_links = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "rank" in form.changed_data:
            # Stored HTML depends on ranks (spoiler images are deferred, notes hidden):
            # a rank moving across 0 must re-render every article that uses the level.
            articles = Article.objects.filter(sections__spoiler_level=obj).distinct()
            for article in articles:
                article.render_sections()
            self.message_user(
                request, f"Re-rendered {len(articles)} article(s) that use “{obj.name}”."
            )


@admin.register(ContentWarning)
class ContentWarningAdmin(admin.ModelAdmin):
    list_display = ["name", "is_spoiler", "description"]
    list_filter = ["is_spoiler"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SpoilerTerm)
class SpoilerTermAdmin(RecheckPublishedMixin, admin.ModelAdmin):
    list_display = ["phrase", "work", "spoiler_level", "variants_in_short"]
    list_filter = ["spoiler_level", "work"]  # the work filter offers "(None)": global terms
    search_fields = ["phrase", "variants", "notes", "work__title"]
    autocomplete_fields = ["work"]
    fields = ["phrase", "variants", "work", "spoiler_level", "notes"]
    list_select_related = ["work", "spoiler_level"]

    def affected_articles(self, obj):
        articles = Article.objects.published()
        return articles if obj.work_id is None else articles.filter(work=obj.work_id)

    @admin.display(description="variants")
    def variants_in_short(self, obj):
        return ", ".join(obj.variant_list()) or "—"


# The reader-report queue and the moderation dashboard live in a module of their own.
from . import moderation_admin  # noqa: E402,F401
