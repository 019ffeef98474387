"""Inline forms that read their choices and look up their foreign keys once per formset,
not once per form.

A 12-section article posts 12 spoiler levels: Django's ``ModelChoiceField`` fetches each
one with a query of its own, and the model's validation then asks the database again
whether it exists. Here the formset fetches every submitted choice of a field in one
query before its forms are cleaned, and a form does not ask the model to look up again
what its field has just found. An invalid or unknown choice takes Django's own path
and gets Django's own message.

Shown, each form's menus read the same choices from the database, each time through a
server-side cursor on PostgreSQL (three round trips): 43 cursors for the 13 section
forms of a 12-section article. Here the formset reads each menu's choices once.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteMixin, RelatedFieldWidgetWrapper
from django.utils.functional import cached_property


class FoundOnceChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` that first looks in what its formset fetched (``found``:
    submitted value -> object)."""

    found = None

    def to_python(self, value):
        if self.found is not None and value not in self.empty_values:
            found = self.found.get(str(value))
            if found is not None:
                return found
        return super().to_python(value)


class LookupsOnceForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        for name, field in self.fields.items():
            # Fetched through the field's queryset (limit_choices_to applied) a moment
            # ago: the model field's own existence check would repeat that query.
            if isinstance(field, FoundOnceChoiceField) and self.cleaned_data.get(name):
                exclude.add(name)
        return exclude


class LookupsOnceFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk = form.fields.get(self.model._meta.pk.name)
        if type(pk) is forms.ModelChoiceField:
            # Which saved row each form edits: Django adds a plain ModelChoiceField.
            pk.__class__ = FoundOnceChoiceField

    _menus = None

    @cached_property
    def forms(self):
        made = super().forms
        self._share_menus(made)
        return made

    @property
    def empty_form(self):
        form = super().empty_form
        self._share_menus([form])
        return form

    def _share_menus(self, made):
        """Give every form's menu of a field the same choices, read when first shown (a
        save that is not refused shows none)."""
        if self._menus is None:
            self._menus = {}
        for form in made:
            for name, field in form.fields.items():
                if isinstance(field, forms.ModelChoiceField) and _is_menu(field.widget):
                    if name not in self._menus:
                        self._menus[name] = _Menu(field)
                    field.choices = self._menus[name]
        self._prime_widgets(made)

    @staticmethod
    def _prime_widgets(made):
        """A widget that shows its chosen object (the image chooser's thumbnail) is
        told every form's value at once, to look them all up in one query."""
        values = {}  # widget's shared store -> (widget, [values])
        for form in made:
            for name, field in form.fields.items():
                widget = getattr(field.widget, "widget", field.widget)  # unwrap + and ✎
                if hasattr(widget, "prime"):
                    entry = values.setdefault(id(widget.known), (widget, []))
                    entry[1].append(form[name].value())
        for widget, found in values.values():
            widget.prime(found)

    def full_clean(self):
        if self.is_bound:
            self._fetch_choices()
        super().full_clean()

    def _fetch_choices(self):
        fields = {}  # name -> [(field, submitted value)]
        for form in self.forms:
            for name, field in form.fields.items():
                if isinstance(field, FoundOnceChoiceField) and not field.disabled:
                    value = form[name].data
                    fields.setdefault(name, []).append((field, value))
        for pairs in fields.values():
            first = pairs[0][0]
            key = first.to_field_name or "pk"
            values = {str(value) for _, value in pairs if value not in first.empty_values}
            found = {}
            if values:
                try:
                    objects = first.queryset.filter(**{f"{key}__in": values})
                    found = {str(getattr(obj, key)): obj for obj in objects}
                except (ValueError, TypeError, forms.ValidationError):
                    found = {}  # a malformed value: each form reports its own
            for field, _ in pairs:
                field.found = found


class LookupsOnceInline:
    """For an ``InlineModelAdmin``: its forms' foreign keys are looked up once."""

    form = LookupsOnceForm
    formset = LookupsOnceFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", FoundOnceChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _Menu:
    """A field's choices, read from the database the first time they are listed."""

    def __init__(self, field):
        self.field = field
        self.choices = None

    def __call__(self):
        if self.choices is None:
            self.choices = list(self.field.iterator(self.field))
        return self.choices


def _is_menu(widget):
    """A widget that lists every choice (not a hidden id, not an autocomplete box, which
    looks up only what is selected)."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return isinstance(widget, forms.Select | forms.CheckboxSelectMultiple) and not isinstance(
        widget, AutocompleteMixin
    )
