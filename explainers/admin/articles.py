"""The article screen: the list, the change form's layout and permissions, and what a
save reports back (overrides recorded, leaks and suggestions shown)."""

import reversion
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from .. import leaks, permissions, revisions, workflow
from ..models import (
    Article,
    Citation,
    DismissedSuggestion,
    LeakOverride,
)
from ..models.articles import HERO_IMAGE_MESSAGE
from .article_form import (
    CONTENT_FIELDS,
    ArticleAdminForm,
    CitationInline,
    SectionFormSet,
    SectionInline,
)
from .article_views import ArticleViewsMixin
from .base import EditorialAdmin, hold_saved_rows


class ArticleAdmin(ArticleViewsMixin, EditorialAdmin):
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
        if form.transition is not None:
            workflow.prepare(obj, form.transition)
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
        if not change and not workflow.is_publisher(request.user):
            article.authors.add(request.user)  # an editor's new article is theirs to edit
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
