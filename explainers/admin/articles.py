"""The article screen: the list, the change form's layout and permissions. A save hands
what was submitted to ``services.articles.save_article`` and reports what it did
(overrides recorded, leaks and suggestions); a refusal shows the form again with each
problem at the top and by its field."""

import reversion
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import permissions, revisions, workflow
from ..models import Article, Citation, Section
from ..models.articles import HERO_IMAGE_MESSAGE
from ..services import Refused
from ..services.articles import ArticleChange, SectionChange, save_article
from . import save_messages
from .article_autosave import ArticleAutosaveMixin
from .article_checks import ArticleChecksMixin, _field_id
from .article_form import (
    CONTENT_FIELDS,
    ArticleAdminForm,
    CitationInline,
    SectionInline,
)
from .article_list import (
    MineFilter,
    StateFilter,
    live_column,
    state_column,
    title_column,
    updated_column,
)
from .article_merge import ArticleMergeMixin
from .article_preview import ArticlePreviewMixin
from .article_views import ArticleViewsMixin
from .base import EditorialAdmin, live_forms
from .image_chooser import chooser_widget


class ShownAgain(Exception):
    """A save the service refused: the bound form and formsets, to show again."""

    def __init__(self, form, formsets, refusal):
        super().__init__(str(refusal))
        self.form, self.formsets, self.refusal = form, formsets, refusal


def name_rows_written(formset):
    """The rows a formset's save would list, for the history's change message (Django
    reads them from the formset, which the service saved in its place)."""
    live = live_forms(formset)
    formset.new_objects = [f.instance for f in formset.extra_forms if f in live]
    formset.changed_objects = [
        (f.instance, f.changed_data) for f in formset.initial_forms if f in live and f.has_changed()
    ]
    formset.deleted_objects = [
        f.instance for f in formset.initial_forms if f in formset.deleted_forms
    ]


class ArticleAdmin(
    ArticleAutosaveMixin,
    ArticleMergeMixin,
    ArticlePreviewMixin,
    ArticleChecksMixin,
    ArticleViewsMixin,
    EditorialAdmin,
):
    list_display = [title_column, "work", state_column, live_column, updated_column]
    list_display_links = [title_column]
    list_filter = [StateFilter, MineFilter, "work", "sections__spoiler_level"]
    list_select_related = ["work"]
    search_fields = ["title", "dek", "slug", "sections__heading", "work__title"]
    # The related articles by searching their titles; the authors ticked by name
    # (article_form.AuthorsField): both fit a phone, unlike the two-box pickers. The hero
    # image has its own chooser (formfield_for_foreignkey).
    autocomplete_fields = ["work", "related"]
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
            "explainers/admin/checks-panel.js",
            "explainers/admin/preview.js",
            "explainers/admin/error-summary.js",
            "explainers/admin/autosave.js",
            "explainers/admin/a11y.js",
        ]
        css = {
            "all": [
                "explainers/admin/checks-panel.css",
                "explainers/admin/article-form.css",
                "explainers/admin/autosave.css",
            ]
        }

    # -- who may do what (every rule here is checked on the server) ---------------------

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        user = request.user
        return (
            permissions.can_edit_content(user, obj)
            or permissions.can_moderate(user)
            or bool(workflow.transitions_for(user, obj))
        )

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        # Only a draft nobody has published goes away; anything readers saw is retracted.
        return obj.status == Article.Status.DRAFT and permissions.can_edit_content(
            request.user, obj
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["leak_check_overrides", "workflow_log", "revision_links"]
        user = request.user
        article = obj or Article()
        if not permissions.can_edit_content(user, article):
            readonly += CONTENT_FIELDS
        if not permissions.is_publisher(user):
            readonly.append("published_at")
        if obj is not None and not workflow.transitions_for(user, obj):
            readonly.append("status")
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # a class made for this request by modelform_factory
        return form

    def get_prepopulated_fields(self, request, obj=None):
        if permissions.can_edit_content(request.user, obj or Article()):
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
        if permissions.can_override(request.user):
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
        # The form and its preview need the width: the admin's list of models stays on
        # the other pages (breadcrumbs and the desk lead back).
        extra_context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        try:
            with reversion.create_revision():
                reversion.set_user(request.user)
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ShownAgain as refused:  # rolled back: nothing of the save was written
            return self.show_refused(request, refused, object_id, form_url, extra_context)

    def show_refused(self, request, refused, object_id, form_url, extra_context):
        """The form again, as Django shows a form with errors, with the service's
        problems at the top and each by its field where it has one."""
        form, formsets, refusal = refused.form, refused.formsets, refused.refusal
        merge = None
        if refusal.conflict is not None and refusal.conflict.merge is not None:
            form, formsets, merge = self.merged_forms(
                request, form, formsets, refusal.conflict, object_id
            )
        sections = next((fs for fs in formsets if fs.model is Section), None)
        live = sorted(live_forms(sections), key=lambda f: f.instance.order) if sections else []
        for problem in refusal.problems:
            if problem.section is not None and problem.section < len(live):
                section_form = live[problem.section]
                if problem.field in section_form.fields:
                    section_form.add_error(problem.field, problem.message)
            elif problem.field in form.fields:
                form.add_error(problem.field, problem.message)
                if problem.field == "status":
                    continue  # a refused move is said by its menu, as the form says it
            form.add_error(None, problem.message)
        add = object_id is None
        obj = None if add else form.instance
        admin_form = helpers.AdminForm(
            form,
            list(self.get_fieldsets(request, obj)),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        inlines = self.get_inline_formsets(
            request, formsets, self.get_inline_instances(request, form.instance), obj
        )
        media = self.media + admin_form.media
        for inline in inlines:
            media += inline.media
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Add' if add else 'Change'} {self.opts.verbose_name}",
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)),
            "media": media,
            "inline_admin_formsets": inlines,
            "errors": helpers.AdminErrorList(form, formsets),
            "preserved_filters": self.get_preserved_filters(request),
            "conflict": refusal.conflict,
            "merge": merge,
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_share_preview"] = obj is not None and permissions.may_share_preview(
            request.user, obj
        )
        context["error_summary"] = self.error_summary(context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def error_summary(self, context):
        """Every error the form shows (its own fields, each section and citation, the
        service's refusal), once each, named by its field and with the id of the field
        to go to; a message said by its field is not repeated without one."""
        adminform = context.get("adminform")
        form = adminform.form if adminform is not None else None
        if form is None or not form.is_bound:
            return []
        found = list(_named_errors(form, ""))
        for inline in context.get("inline_admin_formsets", []):
            formset = inline.formset
            name = str(formset.model._meta.verbose_name).capitalize()
            for number, row in enumerate(formset.forms, start=1):
                found += _named_errors(row, f"{name} {number}, ")
            found += [{"message": str(m), "target": ""} for m in formset.non_form_errors()]
        placed = {error.get("said") for error in found if error["target"]}
        summary, seen = [], set()
        for error in found:
            said = error.get("said", error["message"])
            key = (said, error["target"])
            if key in seen or (not error["target"] and said in placed):
                continue
            seen.add(key)
            summary.append({"message": error["message"], "target": error["target"]})
        return summary

    def save_model(self, request, obj, form, change):
        """Nothing is written here: ``save_related`` saves the article with its sections
        and citations at once, through the service."""

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
        if db_field.name == "hero_image":
            # Thumbnails, search and filters in a dialog; the number box without JS.
            kwargs["widget"] = chooser_widget(db_field, self.admin_site, max_rank=0)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "hero_image":
            # Only level-0 images are choices; say why when another one is posted.
            field.error_messages["invalid_choice"] = HERO_IMAGE_MESSAGE
        return field

    def save_related(self, request, form, formsets, change):
        try:
            saved = save_article(self.submitted(request, form, formsets), user=request.user)
        except Refused as refusal:
            raise ShownAgain(form, formsets, refusal) from refusal
        form.leak_override = saved.override  # named in the history's change message
        for formset in formsets:
            name_rows_written(formset)
        self.report_saved(request, saved, created=not change)

    def submitted(self, request, form, formsets):
        """What the form and its inlines ask for, as the service takes it. Rows of an
        inline this user may only view stay as saved (Django bypasses their forms); an
        inline not shown at all leaves the service to read the saved rows."""
        data = form.cleaned_data
        change = ArticleChange(
            article=form.instance,
            opened_version=data.get("opened_version"),
            authors=data.get("authors"),
            related=data.get("related"),
            comment=data.get("workflow_comment", ""),
            override_reason=data.get("leak_override_reason", ""),
            dismissed=data.get("dismiss_suggestions", []),
        )
        inlines = {
            inline.model: inline for inline in self.get_inline_instances(request, form.instance)
        }
        obj = form.instance if form.instance.pk else None
        for formset in formsets:
            inline = inlines.get(formset.model)
            may_change = inline is not None and inline.has_change_permission(request, obj)

            def written(f, extra=formset.extra_forms, may_change=may_change):
                # A new row, or a saved one this user may change and did.
                return f in extra or (may_change and f.has_changed())

            live = live_forms(formset)
            removed = [f.instance for f in formset.deleted_forms if f.instance.pk]
            if formset.model is Section:
                change.sections = [
                    SectionChange(
                        f.instance,
                        changed=written(f),
                        content_warnings=f.cleaned_data["content_warnings"]
                        if written(f) and "content_warnings" in f.changed_data
                        else None,
                    )
                    for f in live
                ]
                change.removed_sections = removed
            elif formset.model is Citation:
                change.citations = [(f.instance, written(f)) for f in live]
                change.removed_citations = removed
        return change

    def report_saved(self, request, saved, *, created=False):
        """What the save did that the editor should know: what happened (submitted,
        published with a link to the live page, scheduled for when...), an old address
        that now redirects, notes never cited, an override recorded, leaks standing in a
        draft, suggestions."""
        self.message_user(
            request,
            save_messages.outcome(saved, user=request.user, created=created),
            level=messages.SUCCESS,
        )
        moved = save_messages.moved_address(saved)
        if moved:
            self.message_user(request, moved, level=messages.INFO)
        for key in saved.unused_keys:
            self.message_user(
                request,
                f"Citation '{key}' is not cited in any section, so it is not shown as a "
                f"note. Cite it with [@{key}] or remove it.",
                level=messages.WARNING,
            )
        report, verdict = saved.report, saved.verdict
        if saved.override is not None and not verdict.overridden:
            self.message_user(
                request,
                "Override recorded: a senior editor may now publish over these leaks.",
                level=messages.WARNING,
            )
        if verdict.overridden:
            self.message_user(
                request,
                "Published over the leak check: your override, its reason and the leaks "
                "below are kept with the article.",
                level=messages.WARNING,
            )
        for problem in report.problems:
            self.message_user(request, problem, level=messages.WARNING)
        advice = "" if verdict.overridden else ". Fix it before publishing"
        for message in report.messages:
            self.message_user(request, f"{message}{advice}.", level=messages.WARNING)
        for suggestion in saved.suggestions:
            self.message_user(request, suggestion.message, level=messages.INFO)

    def history_view(self, request, object_id, extra_context=None):
        """One way into an article's history: Django's list of admin actions leads to the
        revisions page, which lists every save (the admin's and the services') and can
        compare and restore."""
        article = self._article_or_403(request, object_id)
        return HttpResponseRedirect(
            reverse("admin:explainers_article_revisions", args=[article.pk])
        )

    # After a save, ``report_saved`` has said what happened; these only redirect, in
    # place of Django's "was changed successfully".

    def response_add(self, request, obj, post_url_continue=None):
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return self._after_save(request, obj) or self.response_post_save_add(request, obj)

    def response_change(self, request, obj):
        if IS_POPUP_VAR in request.POST or "_saveasnew" in request.POST:
            return super().response_change(request, obj)
        return self._after_save(request, obj) or self.response_post_save_change(request, obj)

    def _after_save(self, request, obj):
        """Where "Save and continue editing" and "Save and add another" lead."""
        if "_continue" in request.POST:
            url = reverse("admin:explainers_article_change", args=[obj.pk])
        elif "_addanother" in request.POST:
            url = reverse("admin:explainers_article_add")
        else:
            return None
        context = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(context, url))

    def construct_change_message(self, request, form, formsets, add=False):
        change_message = super().construct_change_message(request, form, formsets, add)
        override = getattr(form, "leak_override", None)
        if override is not None:
            # Shown in the article's history: "Added leak-check override “…”."
            change_message.append(
                {"added": {"name": "leak-check override", "object": override.reason}}
            )
        return change_message


def _named_errors(form, place):
    """``form``'s errors as the list at the top of the page says them: a message that
    does not name its place is preceded by it ("Title: This field is required.")."""
    for name, said in form.errors.items():
        field = form.fields.get(name) if name != "__all__" else None
        target = _field_id(form, name) if field is not None else ""
        label = f"{place}{field.label or name}" if field is not None else place.rstrip(", ")
        for message in map(str, said):
            named = message.startswith(("Section ", "The image in section", "Citation "))
            shown = message if named or not label else f"{label}: {message}"
            yield {"message": shown, "target": target, "said": message}
