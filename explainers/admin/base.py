"""What every explainers admin screen shares: the editorial lock on every write, the
re-check of live articles after a shared object changes, the shared-object permissions,
and helpers for inline formsets."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.utils import timezone

from .. import leaks, locking, permissions


def live_forms(formset):
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
            name: getattr(form.instance, name) if is_foreign_key(model, name) else value
            for name, value in form.initial.items()
        }


def is_foreign_key(model, name):
    try:
        return model.get_field(name).many_to_one
    except FieldDoesNotExist:
        return False


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


class RecheckPublishedMixin:
    """After a change that can create leaks in articles live or scheduled (a new spoiler
    term; a shared object's text or level: an image, a work and its credits, a person, a
    source), run the leak check on them again and tell whoever made the change where the
    leaks now stand. Runs once the inlines are saved too (a work's cast)."""

    # Whether the articles' authors are emailed about the leaks (``term_of``) too: for the
    # leak check's own data, spoiler terms and word families. Those reach every live
    # article, so that check runs in the background (``tasks.recheck_live_articles``).
    notify_authors = False

    def affected_articles(self, obj):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        articles = self.affected_articles(obj)
        if self.notify_authors:
            # Every live article, for a term or a word family: checked in the background.
            self.recheck_in_background(request, obj, articles)
            return
        articles = articles.select_related("work", "hero_image__spoiler_level")
        now = timezone.now()
        for article in articles.distinct():
            scheduled = bool(article.published_at and article.published_at > now)
            for leak in leaks.check_saved_article(article).leaks:
                self.tell_leak(request, article.title, scheduled, leak.message)

    def tell_leak(self, request, title, scheduled, message):
        self.message_user(
            request,
            f"{'Scheduled' if scheduled else 'Published'} article “{title}” now has a leak. "
            f"{message}. Ask its editor to fix it.",
            level=messages.WARNING,
        )

    def recheck_in_background(self, request, obj, articles):
        """Queue the re-check (explainers/tasks.py), or, when tasks run at once, run it
        now and say what it found."""
        from .. import tasks

        name = self.model._meta.verbose_name
        outcome = tasks.recheck_after_change(
            articles, cause=f"the {name} “{obj}”", actor=request.user, term=self.term_of(obj)
        )
        if outcome is None:
            count = articles.distinct().count()
            self.message_user(
                request,
                f"The leak check will look at the {count} live or scheduled article"
                f"{'s' if count != 1 else ''} this {name} applies to again, in the "
                "background: their authors are emailed about any leak it "
                "finds, and the live-leaks list shows them.",
                messages.INFO,
            )
            return
        for found in outcome["found"]:
            for message in found["leaks"]:
                self.tell_leak(request, found["title"], found["scheduled"], message)
        from ..services import notifications

        told = [
            (found["title"], outcome["told"][str(found["article"])])
            for found in outcome["found"]
            if str(found["article"]) in outcome["told"]
        ]
        if told:
            self.message_user(request, notifications.told_message(told), messages.INFO)

    def term_of(self, obj):
        """The phrase whose leaks the authors are told of; "" for every leak found."""
        return ""


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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if (
            obj is not None
            and request.method == "GET"
            and EditorialAdmin.has_change_permission(self, request, obj)
            and not self.has_change_permission(request, obj)
        ):
            # Say why the form is read-only, and what to do instead.
            name = self.model._meta.verbose_name
            self.message_user(
                request,
                f"Articles other than your own drafts show this {name}, so only a senior "
                f"editor may change it: ask one, or add a new {name} for your draft.",
                messages.INFO,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


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
