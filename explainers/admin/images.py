"""The image library: upload with checks, focal point, credits, and the re-check of the
live articles an image change reaches."""

from django import forms
from django.contrib import admin
from django.db import models
from django.template.loader import render_to_string
from django.utils.html import format_html

from .. import imaging, permissions
from ..models import (
    Article,
    Image,
    SpoilerLevel,
)
from ..services import images as services
from .base import RecheckPublishedMixin, SharedObjectAdmin
from .image_chooser import chooser_view, thumbnail_url, with_thumbnails


class ImageForm(forms.ModelForm):
    """Alt text and a credit are required here: the model lets them be empty only for
    images dropped into the Markdown editor, which arrive with neither.

    A new image whose pixels are already in the library is refused once, with the image
    that holds them (``duplicate``, shown by the add form's template with a link to use
    it); ticking "Upload anyway" adds the copy all the same."""

    upload_anyway = forms.BooleanField(
        required=False,
        label="Upload it anyway, as a second image",
        help_text="Only if the copy must differ from the existing image (another crop, "
        "level or credit).",
    )

    class Meta:
        model = Image
        fields = ["file", "alt_text", "credit", "caption", "spoiler_level", "focal_x", "focal_y"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate = None
        for name in ("alt_text", "credit"):
            if name in self.fields:
                self.fields[name].required = True

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if (
            self.instance.pk is None
            and upload
            and not getattr(upload, "_committed", False)
            and not self._upload_anyway()
        ):
            self.duplicate = with_thumbnails(Image.objects.same_picture_as(upload)).first()
            if self.duplicate is not None:
                raise forms.ValidationError(
                    "This picture is already in the library (image %(number)s, “%(label)s”). "
                    "Use that image, or choose the file again and tick “Upload it anyway”.",
                    code="duplicate",
                    params={"number": self.duplicate.pk, "label": str(self.duplicate)},
                )
        return upload

    def _upload_anyway(self):
        # Read before its own field is cleaned (the file comes first), as it will be.
        field = self.fields["upload_anyway"]
        return field.widget.value_from_datadict(
            self.data, self.files, self.add_prefix("upload_anyway")
        )


# What each crop of imaging.RENDITION_SPECS is for, said under its preview.
CROP_USES = {
    "hero": "the top of an article, and link previews",
    "teaser": "lists of articles and the work's page",
}


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
        "focal_point_picker",
        "rendition_summary",
    ]
    readonly_fields = ["focal_point_picker", "rendition_summary"]

    class Media:
        js = ["explainers/admin/focal-point.js"]
        css = {"all": ["explainers/admin/image-form.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("spoiler_level")

    def get_urls(self):
        from django.urls import path

        chooser = path(
            "choose/",
            self.admin_site.admin_view(chooser_view),
            name="explainers_image_chooser",
        )
        return [chooser, *super().get_urls()]

    def has_add_permission(self, request):
        return permissions.may_add_images(request.user)  # as the editor's upload endpoint

    def affected_articles(self, obj):
        return Article.objects.live_or_scheduled().filter(
            models.Q(sections__image=obj)
            | models.Q(hero_image=obj)
            | models.Q(work__poster=obj)
            | models.Q(sections__body__contains=obj.address_key)
        )

    def save_model(self, request, obj, form, change):
        services.save_image(obj, user=request.user, creating=not change)

    @admin.display(description="image")
    def thumbnail(self, obj):
        if not obj.file:
            return "—"
        # The smallest rendition: a list of stills should not fetch every original.
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="height:48px;width:auto">',
            obj.picture().src,
        )

    @admin.display(description="set the focal point")
    def focal_point_picker(self, obj):
        """The picture to click on (focal-point.js), with the site's crops of it beside;
        the numbers above are what the form saves."""
        if obj is None or obj.pk is None or not obj.file:
            return "Shown once the image is saved: then click on the subject to set it."
        picture = obj.picture()
        crops = [
            {"name": name, "ratio": imaging.RENDITION_SPECS[name][0], "use": CROP_USES[name]}
            for name in imaging.CROPPED_SPECS
        ]
        return render_to_string(
            "admin/explainers/image/focal_picker.html",
            {
                "src": picture.src,
                "width": obj.width or picture.width,
                "height": obj.height or picture.height,
                "focus": obj.focus,
                "crops": crops,
                "spoiler_free": obj.spoiler_level.rank == 0,
            },
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        duplicate = getattr(form, "duplicate", None)
        if duplicate is not None:
            context["duplicate"] = duplicate
            context["duplicate_thumbnail"] = thumbnail_url(duplicate)
        return super().render_change_form(request, context, add, change, form_url, obj)

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
