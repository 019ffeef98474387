"""The article change form: its sections and citations inlines, the version check, the
bodies rendered once for validation, and the leak check over what a reader will see."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.html import format_html
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from .. import leaks, permissions, workflow
from ..lookups import LookupsOnceFormSet, LookupsOnceInline
from ..models import (
    Article,
    Citation,
    Image,
    Section,
    SpoilerLevel,
    WorkPart,
)
from .base import hold_saved_rows, live_forms
from .image_chooser import chooser_widget

# Read-only for whoever may not write the article's content (permissions.can_edit_content).
CONTENT_FIELDS = ["title", "slug", "dek", "work", "hero_image", "authors", "related"]
SECTION_CONTENT_FIELDS = ["order", "heading", "body", "image", "reveals_through"]


# A message made when it is shown (one proxy class for all: ``lazy`` makes a class a call).
_when_shown = lazy(lambda make: make(), str)


class SectionFormSet(LookupsOnceFormSet):
    """Checks each section on its own (a safe heading above Spoiler-free, an image no
    higher than its section, a part of the article's own work). What needs the whole
    article (the bodies rendered with their citations, the leak check) is checked by
    ``services.articles.save_article``, which refuses with the section named."""

    _parts_of = None  # the work whose parts the forms offer

    def add_fields(self, form, index):
        super().add_fields(form, index)
        self._offer_parts_of_the_work(form)

    def full_clean(self):
        # The forms may have been made before the article form took the posted work
        # (made now, they offer its parts already).
        if (
            self.is_bound
            and self.forms
            and (getattr(self.instance, "work_id", None) != self._parts_of)
        ):
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
            "invalid_choice": _when_shown(self._part_refusal),
        }

    def _part_refusal(self):
        work = self.instance.work if getattr(self.instance, "work_id", None) else None
        which = f"of {work.title}" if work else "of the article's work"
        return f"That is a part of another work. Pick a chapter or episode {which}."

    def assign_missing_orders(self, live):
        """Sections left at order 0 go after the others, in the order they are listed."""
        next_order = max((form.cleaned_data.get("order") or 0 for form in live), default=0)
        for form in live:
            if not form.cleaned_data.get("order"):
                next_order += 1
                form.cleaned_data["order"] = next_order
                form.instance.order = next_order

    def clean(self):
        hold_saved_rows(self)
        super().clean()
        live = live_forms(self)
        self.assign_missing_orders(live)
        live.sort(key=lambda form: form.cleaned_data["order"])
        problems = []
        for position, form in enumerate(live, start=1):
            data = form.cleaned_data
            level = self._submitted(form, "spoiler_level")
            heading = self._submitted(form, "heading") or "untitled"
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
        if problems:
            raise forms.ValidationError(problems)

    @staticmethod
    def _submitted(form, name):
        """A field as submitted or, when shown read-only to this user, as saved."""
        if name in form.cleaned_data:
            return form.cleaned_data[name]
        return getattr(form.instance, name, None)


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

    def get_queryset(self, request):
        # Each form's warnings (to show, and to tell what changed) and its level (its
        # title shows the safe heading of a spoiler): in two queries, not two per section.
        sections = super().get_queryset(request).select_related("spoiler_level")
        return sections.prefetch_related("content_warnings")

    # A moderator on an article they may not write: level, safe heading and warnings only.
    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not permissions.can_edit_content(request.user, obj):
            return SECTION_CONTENT_FIELDS
        return []

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and permissions.can_edit_content(
            request.user, obj or Article()
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_edit_content(
            request.user, obj or Article()
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        article = obj or Article()
        return permissions.can_edit_content(request.user, article) or permissions.can_moderate(
            request.user
        )

    # A section's level, part and warnings are picked from its row, never made there (the
    # ladder, the work's parts and the warnings have pages of their own). Without the add,
    # change and view links Django puts beside each, the form renders about a sixth faster
    # (bench/editor_bench.py): a dozen sections had some forty of them.
    PICKED_ONLY = {"spoiler_level", "reveals_through", "content_warnings"}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(field, "widget", None)
        if db_field.name in self.PICKED_ONLY and isinstance(widget, RelatedFieldWidgetWrapper):
            field.widget = widget.widget
        return field

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
            kwargs["widget"] = chooser_widget(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CitationInline(LookupsOnceInline, admin.StackedInline):
    """Stacked, each citation's fields labelled and wrapping: a table of five columns
    ran off the screen (issue 16)."""

    model = Citation
    extra = 1
    classes = ["citations-stacked"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and permissions.can_edit_content(
            request.user, obj or Article()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_edit_content(
            request.user, obj or Article()
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    fields = [("key", "number"), "source", "locator", "quotation"]
    readonly_fields = ["number"]
    autocomplete_fields = ["source"]
    formfield_overrides = {
        Citation._meta.get_field("quotation").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 40})
        }
    }


def author_name(user):
    """A user as a byline names them."""
    return user.get_full_name() or user.get_username()


class SuggestionsWidget(forms.CheckboxSelectMultiple):
    """Checkboxes, or "None outstanding." when there is nothing to tick."""

    def render(self, name, value, attrs=None, renderer=None):
        if not any(True for _ in self.choices):
            return format_html('<p class="suggestions-none">{}</p>', "None outstanding.")
        return super().render(name, value, attrs, renderer)


class ArticleAdminForm(forms.ModelForm):
    """The article's own fields, and the inputs of a save that are not fields of the
    article (an override reason, suggestions dismissed, a comment on the move, the
    version the form was opened at). ``ArticleAdmin`` sets ``request`` on the class it
    builds per request. Checks that need the whole article (version, leaks, bodies) are
    the save's own: ``services.articles.save_article``."""

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
        self._pick_authors_by_name()
        self._name_date_and_time()

    _suggestions = None

    def _name_date_and_time(self):
        """The admin's split date and time boxes are captioned by loose text that no screen
        reader ties to them: each gets a name of its own."""
        widget = getattr(self.fields.get("published_at"), "widget", None)
        for part, name in zip(getattr(widget, "widgets", ()), ("date", "time"), strict=False):
            part.attrs["aria-label"] = f"Publish {name}"

    def _pick_authors_by_name(self):
        """Authors ticked by their full names: the staff who write, and whoever already
        wrote this article (a former colleague stays listed until unticked)."""
        field = self.fields.get("authors")
        if field is None:
            return  # shown read-only to this user
        field.widget = forms.CheckboxSelectMultiple(attrs={"class": "authors-choices"})
        field.label_from_instance = author_name
        current = Q(pk__in=self.instance.authors.all()) if self.instance.pk else Q()
        users = get_user_model().objects.filter(Q(is_staff=True, is_active=True) | current)
        field.queryset = users.distinct().order_by("first_name", "last_name", "username")
        field.help_text = "Shown in the byline by their full names."

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
        status = cleaned.get("status")
        if status and (self.instance.pk is None or status != self.instance.status):
            # The save checks the move again; asking here puts the refusal by the field
            # along with any other error of the form.
            try:
                workflow.check(self.request.user, self.instance, status)
            except workflow.TransitionRefused as refusal:
                self.add_error("status", str(refusal))
        return cleaned
