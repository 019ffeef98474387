"""The image chooser: an image field shown as its id, its thumbnail and a button that opens
a dialog of thumbnails to search and filter (``static/explainers/admin/image-chooser.js``),
and the staff-only endpoint the dialog reads (HTML for the dialog, JSON for scripts).

Without JavaScript the field is Django's raw-id box: type an image's number, or open the
image list (in a new tab, so nothing typed in the form is lost) to find it.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import permissions
from ..models import Article, Image, Rendition, Section, SpoilerLevel, Work

PAGE_SIZE = 24


# --- what the chooser lists ------------------------------------------------------------


def with_thumbnails(queryset):
    """Images with their level and the name of their smallest WebP rendition
    (``thumbnail_name``), in one query however many are listed."""
    smallest = Rendition.objects.filter(image=OuterRef("pk"), spec="full", format="webp")
    return queryset.select_related("spoiler_level").annotate(
        thumbnail_name=Subquery(smallest.order_by("width").values("file")[:1])
    )


def thumbnail_url(image):
    """The smallest rendition's address; the original's for an image without renditions
    (an animation, or one stored before renditions)."""
    name = getattr(image, "thumbnail_name", None)
    if name:
        return Rendition._meta.get_field("file").storage.url(name)
    return image.file.url if image.file else ""


def images_of(works):
    """The images ``works`` show: their posters, their articles' heroes and section
    images."""
    heroes = Article.objects.filter(work__in=works).exclude(hero_image=None)
    stills = Section.objects.filter(article__work__in=works).exclude(image=None)
    return (
        Q(pk__in=works.exclude(poster=None).values("poster"))
        | Q(pk__in=heroes.values("hero_image"))
        | Q(pk__in=stills.values("image"))
    )


def matching(queryset, text):
    """Every word of ``text`` in the alt text, credit or caption, or in the title of a
    work the image is shown with."""
    for word in text.split():
        queryset = queryset.filter(
            Q(alt_text__icontains=word)
            | Q(credit__icontains=word)
            | Q(caption__icontains=word)
            | images_of(Work.objects.filter(title__icontains=word))
        )
    return queryset


class ChooserQuery(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    work = forms.ModelChoiceField(
        Work.objects.only("pk", "title", "year"),
        label="Work",
        required=False,
        empty_label="All works",
    )
    level = forms.ModelChoiceField(
        SpoilerLevel.objects.order_by("rank"),
        label="Spoiler level",
        required=False,
        empty_label="Any level",
    )
    # A hero image or poster must be spoiler-free: its chooser lists level 0 only.
    max_rank = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # One image by its number (the widget's thumbnail after an id is typed).
    id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        max_rank = self.data.get("max_rank")
        if max_rank is not None and str(max_rank).isdigit():
            self.fields["level"].queryset = self.fields["level"].queryset.filter(
                rank__lte=int(max_rank)
            )

    def images(self):
        data = self.cleaned_data
        images = with_thumbnails(Image.objects.all())
        if data["q"]:
            images = matching(images, data["q"])
        if data["work"] is not None:
            images = images.filter(images_of(Work.objects.filter(pk=data["work"].pk)))
        if data["level"] is not None:
            images = images.filter(spoiler_level=data["level"])
        if data["max_rank"] is not None:
            images = images.filter(spoiler_level__rank__lte=data["max_rank"])
        if data["id"] is not None:
            images = images.filter(pk=data["id"])
        return images.order_by("-created_at", "-pk")


def as_json(image):
    return {
        "id": image.pk,
        "label": image.alt_text or str(image),
        "alt_text": image.alt_text,
        "credit": image.credit,
        "caption": image.caption,
        "level": image.spoiler_level.name,
        "rank": image.spoiler_level.rank,
        "thumbnail": thumbnail_url(image),
        "width": image.width,
        "height": image.height,
        "change_url": reverse("admin:explainers_image_change", args=[image.pk]),
    }


def chooser_view(request):
    """The chooser's page of images: ``q``, ``work``, ``level``, ``max_rank``, ``id``,
    ``page``; ``format=json`` for JSON, ``part=results`` for the results without the
    search form. A malformed query is a 400 that says what was wrong."""
    if not permissions.may_browse_images(request.user):
        raise PermissionDenied("Only staff who may view images may browse them.")
    query = ChooserQuery(request.GET, auto_id="image-chooser-%s")
    wants_json = request.GET.get("format") == "json"
    if not query.is_valid():
        if wants_json:
            return JsonResponse({"errors": query.errors.get_json_data()}, status=400)
        return TemplateResponse(
            request, "admin/explainers/image/chooser.html", {"query": query}, status=400
        )
    page = Paginator(query.images(), PAGE_SIZE).get_page(request.GET.get("page"))
    if wants_json:
        return JsonResponse(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": [as_json(image) for image in page],
            }
        )
    shown = {key: value for key, value in query.cleaned_data.items() if value not in (None, "")}
    params = {key: getattr(value, "pk", value) for key, value in shown.items()}
    for image in page:
        image.thumbnail = thumbnail_url(image)
    return TemplateResponse(
        request,
        "admin/explainers/image/chooser.html",
        {
            "query": query,
            "page": page,
            "results_only": request.GET.get("part") == "results",
            "filtered": bool({"q", "work", "level"} & set(shown)),
            "page_query": urlencode(params),
        },
    )


# --- the widget ------------------------------------------------------------------------


class ImageChooserWidget(ForeignKeyRawIdWidget):
    """The raw-id box with the chosen image's thumbnail and alt text beside it and a
    "Choose an image" button for the dialog. ``max_rank`` limits the dialog to images at
    most that level (a hero image: 0).

    Every copy of one widget (one a section form) shares what it has looked up: the
    section formset primes it with all its forms' images at once (``prime``), so a form
    of twelve sections looks its images up in one query, not twelve."""

    # The form renderer reads app folders only, so this lives in explainers/templates/.
    template_name = "explainers/widgets/image_chooser.html"

    class Media:
        js = ["explainers/admin/image-chooser.js"]
        css = {"all": ["explainers/admin/image-chooser.css"]}

    def __init__(self, rel, admin_site, attrs=None, using=None, max_rank=None):
        super().__init__(rel, admin_site, attrs, using)
        self.max_rank = max_rank
        self.known = {}

    def __deepcopy__(self, memo):
        made = super().__deepcopy__(memo)
        made.known = self.known  # shared on purpose: see the class's docstring
        return made

    def prime(self, values):
        wanted = {str(v) for v in values if v not in (None, "") and str(v).isdigit()}
        wanted -= set(self.known)
        if not wanted:
            return
        images = with_thumbnails(Image.objects.filter(pk__in=wanted))
        found = {str(image.pk): image for image in images}
        for value in wanted:
            self.known[value] = found.get(value)

    def chosen(self, value):
        key = str(value)
        if key not in self.known:
            self.prime([key])
        return self.known.get(key)

    def get_context(self, name, value, attrs):
        # Given no value, Django's raw-id widget does not look its label up (a query per
        # form); the value goes back in once it has built the rest.
        context = super().get_context(name, None, attrs)
        context["widget"]["value"] = self.format_value(value)
        image = self.chosen(value) if context["widget"]["value"] else None
        chooser_url = reverse("admin:explainers_image_chooser")
        if self.max_rank is not None:
            chooser_url += f"?max_rank={self.max_rank}"
        context.update(
            chosen=image,
            thumbnail=thumbnail_url(image) if image else "",
            change_url=(reverse("admin:explainers_image_change", args=[image.pk]) if image else ""),
            chooser_url=chooser_url,
            unknown=bool(context["widget"]["value"]) and image is None,
        )
        return context


def chooser_widget(db_field, admin_site, *, max_rank=None, using=None):
    return ImageChooserWidget(db_field.remote_field, admin_site, using=using, max_rank=max_rank)
