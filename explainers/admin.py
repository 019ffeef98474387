import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router, transaction
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from . import leaks, locking, permissions, revisions, workflow
from .lookups import LookupsOnceFormSet, LookupsOnceInline
from .models import (
    Article,
    AuditEntry,
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
from .models.articles import HERO_IMAGE_MESSAGE, render_bodies
from .models.works import POSTER_MESSAGE


def _live_forms(formset):
    """Forms that will be saved: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


def hold_saved_rows(formset):
    """Give each form of a view-only inline the saved row's values as its cleaned data.

    Django does not validate such a form (nothing of it is posted): it hands over the
    form's initial data as "cleaned", where a foreign key is an id, not the object an
    editable form's cleaned data holds. The checks below read both kinds of form alike,
    so they get objects here (an editor's own article in review answered 500).
    """
    if "forms" not in vars(formset):
        return  # not built yet, so not bypassed: Django builds a view-only inline's forms
    for form in formset.initial_forms:
        if getattr(form, "cleaned_data", None) is not form.initial:
            continue  # validated as usual, or marked for deletion
        model = form.instance._meta
        form.cleaned_data = {
            name: getattr(form.instance, name) if _is_foreign_key(model, name) else value
            for name, value in form.initial.items()
        }


def _is_foreign_key(model, name):
    try:
        return model.get_field(name).many_to_one
    except FieldDoesNotExist:
        return False


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
        for form in _live_forms(citations):
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
        live = _live_forms(self)
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


class EditorialAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every write (a change or add form posted, a delete, a bulk
    action) takes the editorial lock before anything else: see locking.py for the order."""

    def _locked(self, view, request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with transaction.atomic(using=router.db_for_write(self.model)):
            locking.hold_editorial_lock(router.db_for_write(self.model))
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._locked(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._locked(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._locked(super().changelist_view, request, *args, **kwargs)


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
        from .revisions import describe_conflict

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
        for form in _live_forms(formset):
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
        live = _live_forms(formset)
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


class ArticleHistoryMixin:
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
        can_restore = workflow.can_edit_content(request.user, article)
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
            can_restore=workflow.can_edit_content(request.user, article),
        )

    def restore_view(self, request, object_id, version_id):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect

        article = self._article_or_403(request, object_id)
        if not workflow.can_edit_content(request.user, article):
            raise PermissionDenied
        version = self._version(article, version_id)
        if request.method == "POST":
            try:
                revisions.restore(version, user=request.user)
            except revisions.RestoreRefused as refusal:
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

        from .previews import preview_url

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

        from .presence import heartbeat

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
                workflow.apply(article, target, user=request.user)
                moved += 1
            except workflow.TransitionRefused as refusal:
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
        return workflow.is_publisher(request.user)


CONTENT_FIELDS = ["title", "slug", "dek", "work", "hero_image", "authors", "related"]
SECTION_CONTENT_FIELDS = ["order", "heading", "body", "image", "reveals_through"]


@admin.register(Article)
class ArticleAdmin(ArticleHistoryMixin, EditorialAdmin):
    list_display = ["title", "work", "state", "is_published", "published_at", "updated_at"]
    list_filter = ["status", "work", "sections__spoiler_level"]
    search_fields = ["title", "dek", "slug", "sections__heading", "work__title"]
    autocomplete_fields = ["work", "hero_image"]
    filter_horizontal = ["authors", "related"]
    date_hierarchy = "published_at"
    inlines = [SectionInline, CitationInline]
    form = ArticleAdminForm
    change_form_template = "admin/explainers/article/change_form.html"
    actions = ["submit_for_review", "publish_now", "retract"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "work", "hero_image"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "workflow_comment", "authors", "opened_version"]},
        ),
        ("Further reading", {"fields": ["related"], "classes": ["collapse"]}),
    ]

    class Media:
        js = [
            "explainers/admin/markdownx-inlines.js",
            "explainers/admin/editor-uploads.js",
            "explainers/admin/presence.js",
        ]

    # -- who may do what (every rule here is checked on the server) ---------------------

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        user = request.user
        return (
            workflow.can_edit_content(user, obj)
            or workflow.can_moderate(user)
            or bool(workflow.transitions_for(user, obj))
        )

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        # Only a draft nobody has published goes away; anything readers saw is retracted.
        return obj.status == Article.Status.DRAFT and workflow.can_edit_content(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["leak_check_overrides", "workflow_log", "revision_links"]
        user = request.user
        article = obj or Article()
        if not workflow.can_edit_content(user, article):
            readonly += CONTENT_FIELDS
        if not workflow.is_publisher(user):
            readonly.append("published_at")
        if obj is not None and not workflow.transitions_for(user, obj):
            readonly.append("status")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # a class made for this request by modelform_factory
        return form

    def get_prepopulated_fields(self, request, obj=None):
        if workflow.can_edit_content(request.user, obj or Article()):
            return {"slug": ["title"]}
        return {}

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only view: the form-only fields (comment, version marker) mean nothing.
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": [
                            f
                            for f in options["fields"]
                            if f not in ("workflow_comment", "opened_version")
                        ],
                    },
                )
                for name, options in fieldsets
            ]
        if obj is not None and "status" in self.get_readonly_fields(request, obj):
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": [f for f in options["fields"] if f != "workflow_comment"],
                    },
                )
                for name, options in fieldsets
            ]
        if obj is not None:
            fieldsets.insert(
                1, ("State and history", {"fields": ["workflow_log", "revision_links"]})
            )
        fields = []
        if obj is not None:
            fields.append("leak_check_overrides")
            fields.append("dismiss_suggestions")
        if leaks.can_override(request.user):
            fields.append("leak_override_reason")
        if fields:
            fieldsets.append(("Leak check", {"fields": fields}))
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Every save stores a revision of the article with its sections and citations.
        if object_id and request.method == "GET":
            article = self.get_object(request, object_id)
            if article is not None and not revisions.versions_of(article).exists():
                # An article made outside the admin (an import, the demo) gets its first
                # revision now, so a later conflict or diff has the version it was opened at.
                revisions.save_revision(article, comment="First recorded revision.")
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_share_preview"] = obj is not None and permissions.may_share_preview(
            request.user, obj
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change and not workflow.is_publisher(request.user):
            obj._add_author = request.user  # an editor's new article is theirs to edit
        if form.transition is not None:
            workflow.prepare(obj, form.transition)
        obj.sections_render_next = True  # save_related renders them (and indexes the article)
        with revisions.followed_loaded(obj):
            super().save_model(request, obj, form, change)

    @admin.display(description="state")
    def state(self, obj):
        return obj.state_label

    @admin.display(description="Log")
    def workflow_log(self, obj):
        entries = list(obj.audit_entries.select_related("actor")[:30]) if obj and obj.pk else []
        if not entries:
            return "Nothing yet: state changes, restores and moderation are listed here."
        return format_html(
            '<ol class="audit-log">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong> {} by {}{}</li>",
                (
                    (
                        f"{entry.created_at:%Y-%m-%d %H:%M}",
                        entry.verb,
                        entry.actor.get_full_name() or entry.actor.get_username()
                        if entry.actor
                        else "the scheduler",
                        format_html(": “{}”", entry.comment) if entry.comment else "",
                    )
                    for entry in entries
                ),
            ),
        )

    @admin.display(description="Revisions")
    def revision_links(self, obj):
        if not obj or not obj.pk:
            return "—"
        from django.urls import reverse

        count = len(revisions.versions_of(obj))
        return format_html(
            '<a href="{}">{} revision{}: history, compare and restore</a>',
            reverse("admin:explainers_article_revisions", args=[obj.pk]),
            count,
            "" if count == 1 else "s",
        )

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
            hold_saved_rows(formset)
            if isinstance(formset, SectionFormSet):
                formset.citation_formset = citations
                request.leak_check_sections = formset  # for ArticleAdminForm's leak check
        return formsets, inline_instances

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        author = getattr(article, "_add_author", None)
        if author is not None:
            article.authors.add(author)
        comment = form.cleaned_data.get("workflow_comment", "")
        if form.transition is not None:
            workflow.record(
                form.transition,
                article,
                user=request.user,
                from_state=form.from_state,
                comment=comment,
            )
            reversion.set_comment(f"{form.transition.label}. {comment}".strip())
        sections = next((fs for fs in formsets if isinstance(fs, SectionFormSet)), None)
        report = article.render_sections(prepared=getattr(sections, "rendered_bodies", None))
        article.sections_render_next = False
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
        reason = form.cleaned_data.get("leak_override_reason", "").strip()
        if (
            reason
            and report.leaks
            and not form.leak_verdict.overridden
            and leaks.can_override(request.user)
        ):
            # A moderator's decision ahead of publication: whoever publishes next is not
            # refused for these leaks (a new leak still is).
            form.leak_override = LeakOverride.record(
                article=form.instance, user=request.user, reason=reason, leaks=report.messages
            )
            self.message_user(
                request,
                "Override recorded: a senior editor may now publish over these leaks.",
                level=messages.WARNING,
            )
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
        for problem in report.problems:
            self.message_user(request, problem, level=messages.WARNING)
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
    term; a shared object's text or level: an image, a work and its credits, a person, a
    source), run the leak check on them again and tell whoever made the change where the
    leaks now stand. Runs once the inlines are saved too (a work's cast)."""

    def affected_articles(self, obj):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
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
            if name not in self.fields:
                continue  # shown read-only to this user: unchanged
            for message in leaks.leaks_in_public_text(
                cleaned.get(name, ""), terms, field=self.fields[name].label.lower()
            ):
                self.add_error(name, f"{message}; every visitor sees this field.")
        return cleaned


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
        for form in _live_forms(self):
            label = form.cleaned_data.get("label", "")
            for message in leaks.leaks_in_public_text(label, terms, field="label"):
                form.add_error("label", f"{message}; readers pick their progress from it.")


class SharedObjectAdmin(EditorialAdmin):
    """A work, person, source or image: viewable by all who may view it; changed or
    deleted only as ``permissions.may_change_shared`` allows (a senior editor, once a
    live article shows it)."""

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.may_change_shared(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.may_change_shared(request.user, obj, "delete")


class SharedWorkInline:
    """A work's credits and parts are shown with the work: changed as the work is."""

    def _may_change_work(self, request, work):
        return work is None or permissions.may_change_shared(request.user, work)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change_work(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change_work(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change_work(request, obj)


class CreditFormSet(forms.BaseInlineFormSet):
    """The cast's character names are listed on the work page: spoiler-free only."""

    def clean(self):
        super().clean()
        terms = leaks.terms_for_work(self.instance if self.instance.pk else None)
        for form in _live_forms(self):
            name = form.cleaned_data.get("character_name", "")
            for message in leaks.leaks_in_public_text(name, terms, field="character name"):
                form.add_error("character_name", f"{message}; the work page lists the cast.")


@admin.register(Source)
class SourceAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    form = SourceForm
    list_display = ["title", "kind", "author", "publisher", "published_on"]
    list_filter = ["kind"]
    search_fields = ["title", "author", "publisher"]
    autocomplete_fields = ["work"]

    def affected_articles(self, obj):
        return Article.objects.published().filter(citations__source=obj)

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


@admin.register(Work)
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
        return Article.objects.published().filter(work=obj)

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


@admin.register(Person)
class PersonAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def affected_articles(self, obj):
        return Article.objects.published().filter(work__credits__person=obj)


class ImageForm(forms.ModelForm):
    """Alt text and a credit are required here: the model lets them be empty only for
    images dropped into the Markdown editor, which arrive with neither."""

    class Meta:
        model = Image
        fields = ["file", "alt_text", "credit", "caption", "spoiler_level", "focal_x", "focal_y"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("alt_text", "credit"):
            if name in self.fields:
                self.fields[name].required = True


class MissingDetailsFilter(admin.SimpleListFilter):
    title = "alt text and credit"
    parameter_name = "details"

    def lookups(self, request, model_admin):
        return [("missing", "Missing (pasted into the editor)"), ("complete", "Complete")]

    def queryset(self, request, queryset):
        missing = models.Q(alt_text="") | models.Q(credit="")
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "complete":
            return queryset.exclude(missing)
        return queryset


@admin.register(Image)
class ImageAdmin(RecheckPublishedMixin, SharedObjectAdmin):
    form = ImageForm
    list_display = ["thumbnail", "__str__", "credit", "spoiler_level", "created_at"]
    list_filter = [MissingDetailsFilter, "spoiler_level"]
    search_fields = ["alt_text", "caption", "credit"]
    fields = [
        "file",
        "alt_text",
        "credit",
        "caption",
        "spoiler_level",
        ("focal_x", "focal_y"),
        "rendition_summary",
    ]
    readonly_fields = ["rendition_summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("spoiler_level")

    def has_add_permission(self, request):
        return permissions.may_add_images(request.user)  # as the editor's upload endpoint

    def bodies_showing(self, obj):
        return Article.objects.filter(sections__body__contains=obj.address_key)

    def affected_articles(self, obj):
        return Article.objects.published().filter(
            models.Q(sections__image=obj)
            | models.Q(hero_image=obj)
            | models.Q(work__poster=obj)
            | models.Q(sections__body__contains=obj.address_key)
        )

    def save_model(self, request, obj, form, change):
        # Bodies show an image's alt text, credit and renditions as rendered on save:
        # render the articles showing it again.
        super().save_model(request, obj, form, change)
        if change and obj.file:
            for article in self.bodies_showing(obj).distinct():
                article.render_sections()

    @admin.display(description="image")
    def thumbnail(self, obj):
        if not obj.file:
            return "—"
        # The smallest rendition: a list of stills should not fetch every original.
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="height:48px;width:auto">',
            obj.picture().src,
        )

    @admin.display(description="renditions")
    def rendition_summary(self, obj):
        if obj is None or obj.pk is None:
            return "Made when the image is saved."
        renditions = list(obj.renditions.all())
        if not renditions:
            return "None: the original is served (an animation is not resized)."
        total = sum(rendition.size for rendition in renditions)
        return format_html(
            "{} files, {} KB in all: {}",
            len(renditions),
            round(total / 1024),
            ", ".join(str(rendition) for rendition in renditions),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "spoiler_level":
            kwargs.setdefault("initial", SpoilerLevel.objects.filter(rank=0).first())
        if db_field.name == "image":
            # Its level is checked against the section's.
            kwargs.setdefault("queryset", Image.objects.select_related("spoiler_level"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SpoilerLevel)
class SpoilerLevelAdmin(EditorialAdmin):
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
class ContentWarningAdmin(EditorialAdmin):
    list_display = ["name", "is_spoiler", "description"]
    list_filter = ["is_spoiler"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SpoilerTerm)
class SpoilerTermAdmin(RecheckPublishedMixin, EditorialAdmin):
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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only for everyone: entries are written by the actions they
    record, never by hand."""

    list_display = ["created_at", "action", "actor", "subject", "comment"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "comment", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = ["created_at", "action", "actor", "article", "subject", "comment", "data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The reader-report queue and the moderation dashboard live in a module of their own.
from . import moderation_admin  # noqa: E402,F401
