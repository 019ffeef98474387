"""The article form's Checks panel: a staff-only endpoint that takes the change form as
it stands, unsaved, and answers what a save would find (leaks, suggestions, images
missing alt text or a credit, the form's own errors), with word count and reading time.

The form and its inlines are built as the admin builds them for a save (``get_form``,
``get_formsets_with_inlines``, ``get_formset_kwargs``) and handed over as
``ArticleAdmin.submitted()`` hands them to the save; ``services.articles.check`` then
judges them without taking a lock or writing anything. Each finding names the element
of the form to go to (``id_dek``, ``id_sections-1-body``), or "" when it has none.
"""

import math
import re

from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.forms.formsets import all_valid
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from .. import leaks
from ..models import Citation, Section
from ..refusal import Problem
from ..rendering.citations import CITATION_MARKER_RE
from ..services import Refused
from ..services.articles import check

# Words a minute of an adult reading explanatory prose on a screen.
READING_SPEED = 230
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SECTION_RE = re.compile(r"^Section (\d+) ")
_CITED_RE = re.compile(r"\[@([^\]]+)\]")
# A leak's or suggestion's field in a section, as the section form names it.
_SECTION_FIELDS = {
    "heading": "heading",
    "safe heading": "safe_heading",
    "body": "body",
    "image": "image",
}


def count_words(texts):
    """Words a reader reads in ``texts`` (Markdown): tags, link addresses and citation
    markers are not words."""
    total = 0
    for text in texts:
        plain = CITATION_MARKER_RE.sub(" ", leaks.reader_text(text or ""))
        total += len(_WORD_RE.findall(plain))
    return total


def reading_minutes(words):
    return math.ceil(words / READING_SPEED) if words else 0


def _refusal(message, status):
    return JsonResponse({"message": message}, status=status)


def _field_id(form, name):
    """The id of the element to focus for ``form``'s field ``name`` ("" if not shown)."""
    if form is None or name not in form.fields:
        return ""
    bound = form[name]
    return bound.id_for_label or bound.auto_id or ""


def _as_problem(problem):
    # A refused verdict adds its message and the report's as plain strings.
    return problem if isinstance(problem, Problem) else Problem(str(problem))


class _Places:
    """Where in the form each place the leak check names is edited."""

    def __init__(self, form, section_forms, citation_forms):
        self.form = form
        self.sections = section_forms  # in reading order, as the check numbers them
        self.citations = {f.instance.key: f for f in citation_forms}

    def section(self, number, name):
        if 1 <= number <= len(self.sections):
            return _field_id(self.sections[number - 1], name)
        return ""

    def target(self, place, field):
        words = place.split()
        if not place:
            return _field_id(self.form, field)
        if place in ("the hero image",):
            return _field_id(self.form, "hero_image")
        if place in ("the work", "the work's poster"):
            return _field_id(self.form, "work")
        if words[-1].isdigit() and place.startswith("section "):
            return self.section(int(words[-1]), _SECTION_FIELDS.get(field, "body"))
        if words[-1].isdigit() and place.startswith("the image in section "):
            return self.section(int(words[-1]), "image")
        if words[-1].isdigit() and place.startswith("an image in section "):
            return self.section(int(words[-1]), "body")
        cited = _CITED_RE.search(place)
        if cited and cited.group(1) in self.citations:
            form = self.citations[cited.group(1)]
            if place.startswith("citation "):
                return _field_id(form, field if field in form.fields else "key")
            return _field_id(form, "source")
        return ""

    def problem(self, problem):
        if problem.section is not None:
            return self.section(problem.section + 1, problem.field or "body")
        return _field_id(self.form, problem.field or "")

    def missing_details(self, message):
        """An image missing alt text or credit: the field that shows it."""
        if message.startswith("The hero image"):
            return _field_id(self.form, "hero_image")
        found = _SECTION_RE.match(message)
        if found is None:
            return ""
        number = int(found.group(1))
        if 1 <= number <= len(self.sections):
            image = self.sections[number - 1].instance.image if self._has_image(number) else None
            if image is not None and image.file.name in message:
                return self.section(number, "image")
        return self.section(number, "body")

    def _has_image(self, number):
        return self.sections[number - 1].instance.image_id is not None


class ArticleChecksMixin:
    """``<id>/checks/`` and ``add/checks/`` on ``ArticleAdmin``: POST only, CSRF-checked,
    for staff who may change the article (or add one)."""

    def get_urls(self):
        view = csrf_protect(never_cache(self.checks_view))
        extra = [
            path("add/checks/", view, name="explainers_article_checks_add"),
            path("<path:object_id>/checks/", view, name="explainers_article_checks"),
        ]
        return extra + super().get_urls()

    def checks_view(self, request, object_id=None):
        if request.method != "POST":
            response = _refusal("Post the article's form to check it.", 405)
            response["Allow"] = "POST"
            return response
        if not self.admin_site.has_permission(request):
            return _refusal("Sign in as staff to check an article.", 403)
        obj = None
        if object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                return _refusal("No such article.", 404)
            if not self.has_change_permission(request, obj):
                return _refusal("You may not change this article.", 403)
        elif not self.has_add_permission(request):
            return _refusal("You may not add articles.", 403)
        form, formsets = self._bound_forms(request, obj)
        broken = [fs for fs in formsets if not fs.management_form.is_valid()]
        if broken:
            return _refusal(
                "This is not the article form's data: the sections or citations are "
                "missing their form counts. Reload the page.",
                400,
            )
        complete = form.is_valid()
        complete = all_valid(formsets) and complete
        sections = next((fs for fs in formsets if fs.model is Section), None)
        citations = next((fs for fs in formsets if fs.model is Citation), None)
        change = self._change_to_check(request, form, formsets)
        try:
            examined = check(change, user=request.user)
        except Refused as refusal:
            return _refusal(str(refusal), 403)
        forms_by_section = {id(f.instance): f for f in (sections.forms if sections else [])}
        reading = sorted(change.sections or [], key=lambda item: item.section.order)
        places = _Places(
            form,
            [forms_by_section.get(id(item.section)) for item in reading],
            [f for f in (citations.forms if citations else []) if getattr(f, "cleaned_data", None)],
        )
        return JsonResponse(self._answer(form, formsets, change, examined, places, complete))

    def _bound_forms(self, request, obj):
        """The article form and its inlines, bound to the post, as the admin's save
        builds them (a view-only inline's saved rows stand as they are)."""
        add = obj is None
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=not add, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, request.FILES, instance=obj)
        formsets = []
        inlines = (
            self.get_formsets_with_inlines(request)
            if add
            else (self.get_formsets_with_inlines(request, obj))
        )
        for formset_class, inline in inlines:
            prefix = formset_class.get_default_prefix()
            formset = formset_class(
                **self.get_formset_kwargs(request, form.instance, inline, prefix)
            )
            if not inline.has_change_permission(request, obj):
                for index, row in enumerate(formset.initial_forms):
                    deleted = f"{formset.prefix}-{index}-DELETE" in request.POST
                    if deleted and inline.has_delete_permission(request, obj):
                        continue
                    row._errors = {}  # as Django does: nothing of it is posted
                    row.cleaned_data = row.initial
            formsets.append(formset)
        return form, formsets

    def _change_to_check(self, request, form, formsets):
        """What a save would be given. While some fields have errors (a section's safe
        heading not yet written), the rest is checked: rows without a level or a source
        cannot be, and are left out."""
        for formset in formsets:
            for row in formset.forms:
                if "content_warnings" in row.errors:  # a forged choice: as saved
                    row.cleaned_data["content_warnings"] = row.initial.get("content_warnings", [])
        change = self.submitted(request, form, formsets)
        if change.sections is not None:
            change.sections = [
                item for item in change.sections if item.section.spoiler_level_id is not None
            ]
        if change.citations is not None:
            change.citations = [
                (citation, changed)
                for citation, changed in change.citations
                if citation.source_id is not None and citation.key
            ]
        return change

    def _answer(self, form, formsets, change, examined, places, complete):
        report, verdict = examined.report, examined.verdict
        leak_messages = {leak.message for leak in report.leaks}
        said = {verdict.problem, *report.problems, *leak_messages}
        article = change.article
        texts = [article.dek] + [
            text
            for item in change.sections or []
            for text in (item.section.heading, item.section.body)
        ]
        words = count_words(texts)
        return {
            "complete": complete,
            "leaks": [
                {
                    "message": leak.message,
                    "place": leak.where,
                    "term": leak.term,
                    "target": places.target(leak.place, leak.field),
                }
                for leak in report.leaks
            ],
            "suggestions": [
                {
                    "message": suggestion.message,
                    "target": places.target(suggestion.place, suggestion.field),
                }
                for suggestion in report.suggestions
            ],
            "images": [
                {"message": message, "target": places.missing_details(message)}
                for message in report.problems
            ],
            "problems": [
                {"message": problem.message, "target": places.problem(problem)}
                for problem in map(_as_problem, examined.problems)
                if problem.message not in said
            ],
            "errors": self._errors(form, formsets),
            "publishing": verdict.problem if verdict.refused else "",
            "words": words,
            "reading_minutes": reading_minutes(words),
        }

    @staticmethod
    def _errors(form, formsets):
        """Each error of the form and its rows, by the element it is about."""
        found = []
        for each in [form, *(row for formset in formsets for row in formset.forms)]:
            for name, messages in each.errors.items():
                target = "" if name == "__all__" else _field_id(each, name)
                found += [{"message": str(m), "target": target} for m in messages]
        shown = {error["message"] for error in found}
        for formset in formsets:
            found += [
                {"message": str(m), "target": ""}
                for m in formset.non_form_errors()
                if str(m) not in shown
            ]
        return found
