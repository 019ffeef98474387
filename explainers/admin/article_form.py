"""The article change form: its sections and citations inlines, the version check, the
bodies rendered once for validation, and the leak check over what a reader will see."""

from django import forms
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.html import format_html
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from .. import leaks, locking, workflow
from ..lookups import LookupsOnceFormSet, LookupsOnceInline
from ..models import (
    Article,
    Citation,
    Image,
    Section,
    SpoilerLevel,
    WorkPart,
)
from ..models.articles import render_bodies
from .base import live_forms

# Read-only for whoever may not write the article's content (workflow.can_edit_content).
CONTENT_FIELDS = ["title", "slug", "dek", "work", "hero_image", "authors", "related"]
SECTION_CONTENT_FIELDS = ["order", "heading", "body", "image", "reveals_through"]


class SectionFormSet(LookupsOnceFormSet):
    """Checks sections as the reader will meet them, and against the article's citations.

    ``citation_formset`` is attached by ``ArticleAdmin`` so unknown keys can be reported
    before anything is saved.
    """

    citation_formset = None
    # Every live body rendered as it will be saved (``Article.render_sections`` reuses it).
    rendered_bodies = None

    _parts_of = None  # the work whose parts the forms offer

    def add_fields(self, form, index):
        super().add_fields(form, index)
        self._offer_parts_of_the_work(form)

    def full_clean(self):
        # The forms may have been made before the article form took the posted work.
        if self.is_bound and getattr(self.instance, "work_id", None) != self._parts_of:
            for form in self.forms:
                self._offer_parts_of_the_work(form)
        super().full_clean()

    def _offer_parts_of_the_work(self, form):
        """ "Reveals through" offers the chapters or episodes of the article's work (none
        before it has one) and refuses any other with a message saying which to pick."""
        field = form.fields.get("reveals_through")
        if field is None:
            return  # shown read-only to this user
        work_id = self._parts_of = getattr(self.instance, "work_id", None)
        parts = WorkPart.objects.select_related("work")
        field.queryset = parts.filter(work_id=work_id) if work_id else parts.none()
        if work_id is None:
            field.help_text = "Lists the parts of the article's work once it is saved with one."
        field.error_messages = {
            **field.error_messages,
            "invalid_choice": lazy(self._part_refusal, str)(),
        }

    def _part_refusal(self):
        work = self.instance.work if getattr(self.instance, "work_id", None) else None
        which = f"of {work.title}" if work else "of the article's work"
        return f"That is a part of another work. Pick a chapter or episode {which}."

    def citation_sources(self):
        """The article's citations as submitted (else as saved): key -> source id."""
        citations = self.citation_formset
        if citations is None:
            # No citation inline on this page (the user may not edit citations).
            if self.instance.pk is None:
                return {}
            return dict(self.instance.citations.values_list("key", "source_id"))
        citations.is_valid()  # cleans once; the result is cached for the admin's own check
        sources = {}
        for form in live_forms(citations):
            key, source = form.cleaned_data.get("key"), form.cleaned_data.get("source")
            if key:
                sources[key] = getattr(source, "pk", None)
        return sources

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
        live = live_forms(self)
        self.assign_missing_orders(live)
        live.sort(key=lambda form: form.cleaned_data["order"])
        self.rendered_bodies = render_bodies(
            [(self._submitted(form, "body"), self._rank(form)) for form in live],
            self.citation_sources(),
        )
        problems = []
        for position, (form, rendered) in enumerate(
            zip(live, self.rendered_bodies.rendered, strict=True), start=1
        ):
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
            if rendered.too_deep:
                message = (
                    f"{name} nests lists or quotes too deeply to be laid out (hundreds of "
                    "levels). Flatten them; nothing you typed has been lost."
                )
                form.add_error("body", message)
                problems.append(message)
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

    @staticmethod
    def _submitted(form, name):
        """A field as submitted or, when shown read-only to this user, as saved."""
        if name in form.cleaned_data:
            return form.cleaned_data[name]
        return getattr(form.instance, name, None)

    def _rank(self, form):
        level = self._submitted(form, "spoiler_level")
        return level.rank if level is not None else 0


class SectionInline(LookupsOnceInline, admin.StackedInline):
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

    def get_queryset(self, request):
        # Each form's warnings (to show, and to tell what changed) and its level (its
        # title shows the safe heading of a spoiler): in two queries, not two per section.
        sections = super().get_queryset(request).select_related("spoiler_level")
        return sections.prefetch_related("content_warnings")

    # A moderator on an article they may not write: level, safe heading and warnings only.
    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not workflow.can_edit_content(request.user, obj):
            return SECTION_CONTENT_FIELDS
        return []

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and workflow.can_edit_content(
            request.user, obj or Article()
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.can_edit_content(
            request.user, obj or Article()
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        article = obj or Article()
        return workflow.can_edit_content(request.user, article) or workflow.can_moderate(
            request.user
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "content_warnings":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "spoiler_level":
            kwargs.setdefault("initial", SpoilerLevel.objects.filter(rank=0).first())
        if db_field.name == "image":
            # Its level is checked against the section's.
            kwargs.setdefault("queryset", Image.objects.select_related("spoiler_level"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CitationInline(LookupsOnceInline, admin.TabularInline):
    model = Citation
    extra = 1

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and workflow.can_edit_content(
            request.user, obj or Article()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit_content(
            request.user, obj or Article()
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    fields = ["key", "source", "locator", "quotation", "number"]
    readonly_fields = ["number"]
    autocomplete_fields = ["source"]
    formfield_overrides = {
        Citation._meta.get_field("quotation").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 40})
        }
    }


class SuggestionsWidget(forms.CheckboxSelectMultiple):
    """Checkboxes, or "None outstanding." when there is nothing to tick."""

    def render(self, name, value, attrs=None, renderer=None):
        if not any(True for _ in self.choices):
            return format_html('<p class="suggestions-none">{}</p>', "None outstanding.")
        return super().render(name, value, attrs, renderer)


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
        widget=SuggestionsWidget,
        help_text="Sentences the leak check found suspicious when this article was last "
        "saved. Tick those that give nothing away: they will not be suggested again.",
    )

    workflow_comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Optional: why you change the state (kept in the article's log).",
    )
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    request = None
    leak_report = None
    leak_verdict = leaks.Verdict()
    transition = None
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.version
        if "status" in self.fields and self.request is not None:
            # The field accepts any state, so a refused move gets the workflow's own message
            # (who may do it, what is allowed) rather than "not a valid choice"; the menu
            # offers only the allowed moves.
            self.fields["status"].widget.choices = self._status_choices(self.request.user)
        # The suggestions come from a leak check of the saved article: run it only when the
        # field is shown or a dismissal is posted, not on every save.
        self.fields["dismiss_suggestions"].choices = self._outstanding_suggestions

    _suggestions = None

    def _outstanding_suggestions(self):
        """(snippet, message) of the saved article's suggestions not yet dismissed."""
        if self._suggestions is None:
            self._suggestions = []
            if self.instance.pk is not None:
                # As saved: on a refused save the instance holds what was submitted.
                article = Article.objects.get(pk=self.instance.pk)
                dismissed = set(article.dismissed_suggestions.values_list("snippet", flat=True))
                self._suggestions = [
                    (suggestion.snippet, suggestion.message)
                    for suggestion in leaks.check_saved_article(article).suggestions
                    if suggestion.snippet not in dismissed
                ]
        return self._suggestions

    def _status_choices(self, user):
        if self.instance.pk is None:
            labels = {
                Article.Status.DRAFT: "Draft",
                Article.Status.IN_REVIEW: "Submit for review",
                Article.Status.PUBLISHED: "Publish (now, or at the publication time)",
            }
            return [(state, labels[state]) for state in workflow.initial_states_for(user)]
        current = (self.instance.status, f"{self.instance.state_label} (no change)")
        moves = workflow.transitions_for(user, self.instance)
        return [current, *((move.target, move.label) for move in moves)]

    def clean(self):
        cleaned = super().clean()
        self._check_version(cleaned.get("opened_version"))
        status = cleaned.get("status")
        self.from_state = self.instance.status if self.instance.pk else ""
        if status and (self.instance.pk is None or status != self.instance.status):
            try:
                self.transition = workflow.check(self.request.user, self.instance, status)
            except workflow.TransitionRefused as refusal:
                self.add_error("status", str(refusal))
        return cleaned

    def _check_version(self, opened):
        """Optimistic locking: refuse a form opened before someone else's save. The row is
        locked until this request's transaction ends, so two saves cannot both pass."""
        if self.instance.pk is None:
            return
        locking.hold_editorial_lock()  # before the row lock: see locking.py
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if opened is not None and opened == current:
            return
        from ..revisions import describe_conflict

        self.conflict = describe_conflict(self.instance, opened)
        raise forms.ValidationError(self.conflict.message, code="stale")

    def _post_clean(self):
        # The instance now holds the submitted fields, as the section formset expects.
        super()._post_clean()
        if self._errors or self.request is None:
            return
        sections = self._submitted_sections()
        if sections is None:
            return  # the sections have errors of their own; they are shown with them
        data = self.cleaned_data
        # Read from the instance: it holds the submitted fields and, for fields this user
        # may not change (shown read-only), the saved ones.
        article = self.instance
        work = article.work if article.work_id else None
        self.leak_report = leaks.check_article(
            title=article.title,
            dek=article.dek,
            slug=article.slug,
            hero_image=article.hero_image if article.hero_image_id else None,
            sections=sections,
            terms=leaks.terms_for_work(work),
            characters=leaks.characters_for_work(work),
            work=leaks.SharedWork.of(work),
            citations=self._submitted_citations(),
        )
        _, self.leak_verdict = leaks.publishing_verdict(
            article,
            report=self.leak_report,
            publishing=article.status == Article.Status.PUBLISHED,
            user=self.request.user,
            override_reason=data.get("leak_override_reason", ""),
        )
        if self.leak_verdict.refused:
            self.add_error(
                None,
                [
                    self.leak_verdict.problem,
                    *self.leak_report.problems,
                    *self.leak_report.messages,
                ],
            )

    def _submitted_citations(self):
        """The citations as submitted (else as saved), with their sources."""
        sections = getattr(self.request, "leak_check_sections", None)
        formset = getattr(sections, "citation_formset", None)
        if formset is None or not formset.is_valid():
            if self.instance.pk is None:
                return []
            return list(self.instance.citations.select_related("source"))
        submitted = []
        for form in live_forms(formset):
            data = {**form.cleaned_data}
            if not hasattr(data.get("source"), "title"):
                # A view-only inline's "cleaned" source is an id: the saved row stands.
                data["source"] = form.instance.source if form.instance.source_id else None
            for name in ("key", "locator", "quotation"):
                data.setdefault(name, getattr(form.instance, name, ""))
            submitted.append(data)
        return submitted

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
        live = live_forms(formset)
        live.sort(key=lambda form: form.cleaned_data["order"])
        # Fields shown read-only (a moderator sees the body but may not change it) are not
        # in cleaned_data: take them from the saved section.
        saved = ("heading", "safe_heading", "body", "spoiler_level", "image", "order")
        return [
            {
                **{name: getattr(form.instance, name, None) for name in saved},
                **form.cleaned_data,
            }
            for form in live
        ]


# --- article history, preview links, presence and workflow actions ------------------------
