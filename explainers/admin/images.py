"""The image library: upload with checks, focal point, credits, and the re-check of the
live articles an image change reaches."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from .. import permissions
from ..models import (
    Article,
    Image,
    SpoilerLevel,
)
from ..services import images as services
from .base import RecheckPublishedMixin, SharedObjectAdmin
from .image_chooser import chooser_view


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
