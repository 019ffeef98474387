"""The change form after a stale save: the merge the refusal carries
(``services.merge``) shown as the form itself. The form holds the merged values (theirs
where only they changed something, yours elsewhere) and the version saved now, so saving
again is an ordinary save; each clash is listed above it with both versions side by side
and a radio button each (``autosave.js`` puts the one picked into its field)."""

import json
from dataclasses import dataclass

from django.forms.formsets import all_valid

from .. import revisions
from ..models import Citation, Section

# Field of the merge -> name of the form field.
FORM_NAMES = {
    "work_id": "work",
    "hero_image_id": "hero_image",
    "spoiler_level_id": "spoiler_level",
    "image_id": "image",
    "reveals_through_id": "reveals_through",
    "source_id": "source",
}
LABELS = dict(revisions.ARTICLE_FIELDS + revisions.SECTION_FIELDS + revisions.CITATION_FIELDS)


def _text(value):
    return "" if value is None else str(value)


def merged_data(post, merged, article_pk, version):
    """The form's data with the merge in place of what was posted, and the row each
    section and citation of the merge is in (its index in the formset)."""
    data = post.copy()
    for name in list(data):
        if name.startswith(("sections-", "citations-")):
            del data[name]
    for name, value in merged.article.items():
        form_name = FORM_NAMES.get(name, name)
        if isinstance(value, list):
            data.setlist(form_name, [str(v) for v in value])
        else:
            data[form_name] = _text(value)
    data["opened_version"] = str(version)
    rows = {}
    for prefix, part, found in (
        ("sections", "section", merged.sections),
        ("citations", "citation", merged.citations),
    ):
        for index, row in enumerate(found):
            rows[(part, row.key)] = index
            data[f"{prefix}-{index}-id"] = str(row.key) if row.saved else ""
            data[f"{prefix}-{index}-article"] = str(article_pk)
            for name, value in row.values.items():
                form_name = FORM_NAMES.get(name, name)
                if isinstance(value, list):
                    data.setlist(f"{prefix}-{index}-{form_name}", [str(v) for v in value])
                else:
                    data[f"{prefix}-{index}-{form_name}"] = _text(value)
            if row.deleted:
                data[f"{prefix}-{index}-DELETE"] = "on"
        data[f"{prefix}-TOTAL_FORMS"] = str(len(found))
        data[f"{prefix}-INITIAL_FORMS"] = str(sum(1 for row in found if row.saved))
        data[f"{prefix}-MIN_NUM_FORMS"] = post.get(f"{prefix}-MIN_NUM_FORMS", "0")
        data[f"{prefix}-MAX_NUM_FORMS"] = post.get(f"{prefix}-MAX_NUM_FORMS", "1000")
    return data, rows


@dataclass
class Side:
    title: str
    text: str
    name: str  # the form field the pick fills
    values: str  # JSON list of the values it takes
    labels: str  # JSON: "name=value" -> what the choice reads as
    picked: bool


@dataclass
class Choice:
    number: int
    legend: str
    theirs: Side
    yours: Side


class MergeChoices:
    """Each clash of the merge as a choice between two versions."""

    def __init__(self, merged, rows, saved_by):
        self.merged, self.rows, self.saved_by = merged, rows, saved_by
        self.names = revisions._Names()

    def _rows_of(self, part):
        return self.merged.sections if part == "section" else self.merged.citations

    def _place(self, clash):
        if clash.part == "article":
            return "", ""
        index = self.rows[(clash.part, clash.key)]
        prefix = "sections" if clash.part == "section" else "citations"
        row = next(r for r in self._rows_of(clash.part) if r.key == clash.key)
        if clash.part == "section":
            name = f"Section {index + 1} (“{row.values.get('heading', '')}”)"
        else:
            name = f"Citation [@{row.values.get('key', '')}]"
        return f"{prefix}-{index}-", name

    def _field_side(self, title, prefix, clash, value, picked):
        form_name = FORM_NAMES.get(clash.field, clash.field)
        name = f"{prefix}{form_name}"
        values = value if isinstance(value, list) else [value]
        values = [_text(v) for v in values if v is not None]
        shown = self.names(clash.field, value)
        labels = {f"{name}={v}": shown for v in values if len(values) == 1}
        return Side(title, shown or "(empty)", name, json.dumps(values), json.dumps(labels), picked)

    def _row_text(self, clash, values):
        if values is None:
            return "(deleted)"
        fields = revisions.SECTION_FIELDS if clash.part == "section" else revisions.CITATION_FIELDS
        lines = []
        for name, label in fields:
            shown = self.names(name, values.get(name))
            if shown:
                lines.append(f"{label}: {shown}")
        return "\n".join(lines)

    def __iter__(self):
        for number, clash in enumerate(self.merged.clashes, start=1):
            prefix, place = self._place(clash)
            theirs_title = f"Theirs ({self.saved_by})"
            if clash.field is not None:
                label = LABELS.get(clash.field, clash.field)
                legend = f"{place}: {label.lower()}" if place else label
                yield Choice(
                    number,
                    legend,
                    self._field_side(theirs_title, prefix, clash, clash.theirs, False),
                    self._field_side("Yours", prefix, clash, clash.yours, True),
                )
                continue
            delete = f"{prefix}DELETE"
            if clash.yours is None:
                legend = f"{place}: you deleted it, they changed it"
            else:
                legend = f"{place}: they deleted it, you changed it"
            yield Choice(
                number,
                legend,
                Side(
                    theirs_title,
                    self._row_text(clash, clash.theirs),
                    delete,
                    json.dumps([] if clash.theirs is not None else ["on"]),
                    "{}",
                    False,
                ),
                Side(
                    "Yours",
                    self._row_text(clash, clash.yours),
                    delete,
                    json.dumps([] if clash.yours is not None else ["on"]),
                    "{}",
                    True,
                ),
            )


class ArticleMergeMixin:
    """For ``ArticleAdmin.show_refused``: the form and inlines bound to the merge."""

    def merged_forms(self, request, form, formsets, conflict, object_id):
        article = self.get_object(request, object_id)
        if article is None:
            return form, formsets, None
        data, rows = merged_data(request.POST, conflict.merge, article.pk, article.version)
        merged_form = type(form)(data, request.FILES, instance=article)
        merged_formsets = []
        for formset_class, inline in self.get_formsets_with_inlines(request, article):
            prefix = formset_class.get_default_prefix()
            kwargs = self.get_formset_kwargs(request, article, inline, prefix)
            kwargs["data"] = data
            merged_formsets.append(formset_class(**kwargs))
        if len(merged_formsets) != len(formsets) or not all(
            fs.model in (Section, Citation) for fs in merged_formsets
        ):
            return form, formsets, None
        merged_form.is_valid()
        all_valid(merged_formsets)
        saved_by = ", ".join(name for name, _ in conflict.savers) or "saved since"
        return merged_form, merged_formsets, list(MergeChoices(conflict.merge, rows, saved_by))
