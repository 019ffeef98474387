import hashlib
import html
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote
from uuid import uuid4

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.db.models.fields.files import ImageFieldFile
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from PIL import Image as PILImage

from explainers import imaging
from explainers.imaging import ALLOWED_FORMATS, validate_image_file

logger = logging.getLogger(__name__)

IMAGE_FOLDER = "images/"
RENDITION_FOLDER = "renditions/"


def image_upload_to(instance, filename):
    """A random name with the extension of what the file really is.

    The uploaded name is never kept: it could spoil ("lizzie-final-scene.jpg") or claim
    a type (.html, .svg) that the content is not. ``CleanImageFieldFile`` names what it
    stores after the format Pillow found, so the extension here can be trusted.

    A new file for an existing image keeps the first 32 characters of its name (its root
    stem) with a new suffix: bodies that show the image by an older address (its former
    original or renditions) still name it, and no cache serves the old bytes under the
    new name.
    """
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if extension not in ALLOWED_FORMATS.values():
        extension = "img"
    stem = uuid4().hex
    if getattr(instance, "pk", None):
        former = type(instance).objects.filter(pk=instance.pk).values_list("file", flat=True)
        former = former.first()
        if former:
            stem = f"{root_stem(former)}-{uuid4().hex[:8]}"
    return f"{IMAGE_FOLDER}{timezone.now():%Y/%m}/{stem}.{extension}"


def root_stem(name):
    """What every file of one image is named after, whatever its version: its original's
    first stem (a rendition is named ``<the original's stem>-<token>-<spec>-<width>``)."""
    return PurePosixPath(name).name.split(".", 1)[0].split("-", 1)[0]


class CleanImageFieldFile(ImageFieldFile):
    """Stores the clean copy of an upload (upright, no metadata), never its bytes.

    Every way a file reaches an ``Image`` (the admin form, the Markdown editor, the demo
    command, a shell) goes through here.
    """

    def save(self, name, content, save=True):
        data, checked = imaging.clean_image_bytes(content)
        super().save(f"image.{checked.extension}", ContentFile(data), save=False)
        # Recorded now, from the clean bytes: the field never opens the file again.
        self.instance.width, self.instance.height = checked.width, checked.height
        # From the upload's pixels (the stored copy of a JPEG is encoded again, so its
        # pixels differ a little): the next upload of the same picture finds this one.
        # A copy saved from the site (the stored file) is the same picture too.
        self.instance.pixel_hash = checked.pixel_hash
        self.instance.stored_pixel_hash = checked.stored_pixel_hash
        self.instance.pixel_sketch = checked.sketch
        if save:
            self.instance.save()


class ImageUploadFormField(forms.FileField):
    """The form side of ``CleanImageField``: the one validation path (``explainers.
    imaging``), with its messages, in place of Django's own image check."""

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None:
            imaging.check_image_upload(upload)
        return upload


class CleanImageField(models.ImageField):
    attr_class = CleanImageFieldFile

    def update_dimension_fields(self, instance, force=False, **kwargs):
        """Only when a file is assigned, never when a row is loaded: Django's default
        opens the file of every image loaded without recorded dimensions, which is a
        storage round trip per image per page (on S3, a network request), and a 500 for
        the whole page when a file has gone missing."""
        if not force:
            return
        try:
            super().update_dimension_fields(instance, force=True, **kwargs)
        except (OSError, ValueError):
            logger.warning("Could not read the dimensions of %s", getattr(instance, "pk", None))

    def formfield(self, **kwargs):
        return models.FileField.formfield(
            self, **{"form_class": ImageUploadFormField, "max_length": self.max_length, **kwargs}
        )


@dataclass(frozen=True)
class Picture:
    """What a <picture> needs: WebP and fallback srcsets, the fallback src, the shape."""

    src: str
    srcset: str = ""
    webp_srcset: str = ""
    width: int | None = None
    height: int | None = None
    fallback_type: str = ""

    @property
    def largest(self):
        """The biggest fallback file: for link previews and the no-JavaScript link."""
        if not self.srcset:
            return self.src
        return self.srcset.split(", ")[-1].rsplit(" ", 1)[0]


MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class ImageQuerySet(models.QuerySet):
    def same_pixels(self, pixel_hash):
        """The images already holding this picture (``imaging.pixel_hash``), oldest
        first: the one to offer instead of a duplicate."""
        if not pixel_hash:
            return self.none()
        same = models.Q(pixel_hash=pixel_hash) | models.Q(stored_pixel_hash=pixel_hash)
        return self.filter(same).order_by("created_at", "pk")

    def same_picture_as(self, upload):
        """``same_pixels`` for an upload (checked first: ValidationError). Its pixels are
        hashed only when an image of its size (as seen, upright) and of a close sketch
        (``imaging.sketch_of``) is in the library: a hash of every pixel takes a few
        hundred milliseconds for a 24-megapixel still, and a camera's next photo, the
        same size as its last, has another sketch."""
        checked = imaging.check_image_upload(upload)
        width, height = checked.upright_size
        sized = models.Q(width=width, height=height) | models.Q(width__isnull=True)
        sketches = self.filter(sized).values_list("pixel_sketch", flat=True)
        if not any(imaging.sketches_close(checked.sketch, known) for known in sketches):
            return self.none()
        return self.same_pixels(imaging.pixel_hash(upload))

    def in_markdown(self, *texts):
        """The images that Markdown ``texts`` show by a stored address: the URL storage
        gives their original or one of their renditions (an image pasted or dropped into
        the editor is written in as ``![](<its URL>)``)."""
        names = {name for text in texts for _, name in stored_addresses(text or "")}
        if not names:
            return self.none()
        shown = models.Q(file__in=names) | models.Q(
            pk__in=Rendition.objects.filter(file__in=names).values("image_id")
        )
        for stem in _original_stems(names):
            # A file of the image from before it last changed: gone, but its name still
            # says whose it was.
            shown |= models.Q(file__contains=f"/{stem}.") | models.Q(file__contains=f"/{stem}-")
        return self.filter(shown)

    def by_address_in(self, *texts):
        """Like ``in_markdown``, as a dict: every address of a stored image in ``texts``,
        exactly as written there (the ``src`` the renderer sees), to its ``Image``, with
        its renditions prefetched. Several addresses (original, renditions) may map to
        one image."""
        found = {address: name for text in texts for address, name in stored_addresses(text or "")}
        if not found:
            return {}
        by_name, by_stem = {}, {}
        for image in self.in_markdown(*texts).prefetch_related("renditions"):
            by_name[image.file.name] = image
            by_name.update((rendition.file.name, image) for rendition in image.renditions.all())
            by_stem[image.address_key] = image
        for name in set(found.values()) - set(by_name):
            stem = next(iter(_original_stems([name])), None)
            if stem in by_stem:
                by_name[name] = by_stem[stem]
        return {address: by_name[name] for address, name in found.items() if name in by_name}


def _original_stems(names):
    """The root stems of the images these stored names belong to, in whatever version
    (an original replaced since, a rendition made before the image last changed)."""
    return {stem for stem in map(root_stem, names) if re.fullmatch(r"[0-9a-f]{32}", stem)}


# The path up to anything that ends a URL in Markdown or HTML, then any query string or
# fragment (the same file, and part of the address the renderer is given). Bounded, so
# that a body of "/media//media/…" costs linear time, not square.
_PATH = r"(?P<path>[\w./%-]{1,600})(?:[?#][^\s\"'<>()\[\]]{0,600})?"
# Any origin before a path-only base ("/media/"): the site's own absolute address, as an
# editor copies it from a page, is the same file.
_ANY_ORIGIN = r"(?:(?i:https?:)?//[^/\s\"'<>()\[\]]{1,255})?"


def _url_bases():
    """Where the images and renditions folders are served from: the storages' own URL
    for a name, up to the name (a bucket on its own domain answers
    ``https://media.example.com/images/…``), and ``MEDIA_URL``, the default storage's."""
    bases = {settings.MEDIA_URL}
    for model, folder in ((Image, IMAGE_FOLDER), (Rendition, RENDITION_FOLDER)):
        probe = f"{folder}0.png"
        try:
            url = model._meta.get_field("file").storage.url(probe)
        except NotImplementedError:  # a storage that serves no URLs
            continue
        if probe in url:
            bases.add(url[: url.rindex(probe)])
    return bases


def _base_pattern(base):
    scheme, sep, rest = base.partition("//")
    if sep and scheme in ("", "http:", "https:"):
        # Either scheme or none; the host in any case, as browsers read it.
        host, slash, path = rest.partition("/")
        if ":" not in host:  # the scheme's default port, written out, is the same origin
            host_pattern = rf"(?i:{re.escape(host)})(?::(?:80|443))?"
        else:
            host_pattern = rf"(?i:{re.escape(host)})"
        return rf"(?i:https?:)?//{host_pattern}{re.escape(slash + path)}"
    return _ANY_ORIGIN + re.escape(base)


def as_browser_reads(url):
    """``url`` as a browser resolves it before fetching: character references decoded
    (in an HTML attribute, and in a Markdown link, which Python-Markdown decodes), tabs
    and line breaks dropped, and a backslash read as a slash (in http and https URLs)."""
    return re.sub(r"[\t\r\n]", "", html.unescape(url)).replace("\\", "/")


def stored_addresses(text):
    """Every address in ``text`` at which storage serves an image's original or one of
    its renditions: (the address as written, the stored file name).

    Recognised by the storages' own URLs, not by ``MEDIA_URL`` alone (with a bucket on
    its own domain they differ), and read as a browser reads them: ``%``-escapes,
    ``./`` and ``../`` in the path lead to the same file, so they lead to the same name;
    so do character references, tabs and backslashes (an address found only once they
    are read is given as read, not as written).
    """
    found = _addresses_in(text)
    read = html.unescape(text).replace("\t", "").replace("\\", "/")
    if read != text:
        seen = {name for _, name in found}
        found += [(address, name) for address, name in _addresses_in(read) if name not in seen]
    return found


def _addresses_in(text):
    bases = sorted(_url_bases(), key=len, reverse=True)
    pattern = "|".join(f"(?:{_base_pattern(base)})" for base in bases)
    found = []
    for match in re.finditer(rf"(?:{pattern}){_PATH}", text):
        path = posixpath.normpath(unquote(match["path"]))
        if path.startswith(".."):
            continue  # above the base: another file
        path = path.lstrip("/")
        if path.startswith((IMAGE_FOLDER, RENDITION_FOLDER)):
            found.append((match[0], path))
    return found


class Image(models.Model):
    file = CleanImageField(
        upload_to=image_upload_to,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        max_length=200,
        help_text="JPEG, PNG, WebP or GIF, at most 10 MB and 40 megapixels. Location and "
        "camera details are removed, and a rotated photo is stored upright.",
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    # Blank only for images dropped into the Markdown editor, which arrive with neither:
    # the image form requires both, and an article cannot be published showing an image
    # without them.
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Keep it safe at "
        "the image's own spoiler level.",
    )
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown under the image, e.g. “Image via Netflix”.",
    )
    caption = models.CharField(max_length=300, blank=True)
    spoiler_level = models.ForeignKey(
        "explainers.SpoilerLevel",
        on_delete=models.PROTECT,
        related_name="images",
        help_text="A still can spoil as surely as a sentence. Above 0, the image is not "
        "loaded until the reader reveals it, and it cannot be a hero image.",
    )
    focal_x = models.FloatField(
        "focal point (across)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Where the subject is, from 0 (left edge) to 1 (right edge). Hero and "
        "teaser crops keep it in frame. Leave both empty for the centre.",
    )
    focal_y = models.FloatField(
        "focal point (down)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (top edge) to 1 (bottom edge).",
    )
    placeholder = models.TextField(
        blank=True,
        editable=False,
        help_text="A 16-pixel blurred stand-in (a data: URI) shown for a spoiler still "
        "until it is revealed.",
    )
    renditions_made_from = models.CharField(max_length=300, blank=True, editable=False)
    pixel_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text="SHA-256 of the decoded pixels as uploaded (imaging.pixel_hash): an "
        "upload of the same picture, whatever its format or metadata, is offered this image "
        "instead.",
    )
    stored_pixel_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The same of the stored file, whose pixels differ from the upload's when "
        "it was encoded again (JPEG, WebP): a copy saved from the site matches too.",
    )
    pixel_sketch = models.CharField(
        max_length=2 * imaging.SKETCH_SIDE**2,
        blank=True,
        editable=False,
        help_text="An 8 × 8 grey thumbnail, upright (imaging.sketch_of): only an upload of "
        "the same size and a close sketch has its pixels hashed for the duplicate check.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        if self.alt_text:
            return self.alt_text[:80]
        return f"Image {self.pk} (needs alt text)"

    def save(self, *args, **kwargs):
        replaced = ""
        if self.pk is not None:
            # The field holds the new name by now; the row still has the old one.
            replaced = (
                Image.objects.using(router.db_for_write(Image))
                .filter(pk=self.pk)
                .values_list("file", flat=True)
                .first()
            ) or ""
        super().save(*args, **kwargs)
        if replaced and replaced != self.file.name:
            delete_file_on_commit(self.file.storage, replaced)
        if self.file and self.rendition_source_key() != self.renditions_made_from:
            # Seconds for a large still: a background task (explainers/tasks.py), queued
            # once this change commits; until it has run, pages show the original (or,
            # for a spoiler still, a placeholder that fetches nothing).
            from ..tasks import make_renditions, run_or_queue

            run_or_queue(make_renditions, self.pk, self.rendition_source_key())

    def clean(self):
        from django.core.exceptions import ValidationError

        if (self.focal_x is None) != (self.focal_y is None):
            raise ValidationError(
                "Give the focal point both across and down, or leave both empty for the "
                "centre of the image."
            )

    @property
    def address_key(self):
        """What every address of this image in a body contains, whether it shows the
        original or a rendition, now or before a new file replaced it: the root stem
        (random, so no other image's), which every version and rendition is named
        after. For finding the bodies that show it (``body__contains``)."""
        return root_stem(self.file.name) if self.file else ""

    # -- what an image still needs ------------------------------------------------------

    def missing_details(self):
        """What readers would miss: the alt text and credit every shown image needs."""
        return [
            label
            for label, value in (("alt text", self.alt_text), ("credit", self.credit))
            if not value.strip()
        ]

    @property
    def has_details(self):
        return not self.missing_details()

    # -- renditions ---------------------------------------------------------------------

    @property
    def focus(self):
        if self.focal_x is None or self.focal_y is None:
            return (0.5, 0.5)
        return (self.focal_x, self.focal_y)

    def rendition_specs(self):
        from .spoilers import SpoilerLevel

        rank = SpoilerLevel.objects.filter(pk=self.spoiler_level_id).values_list("rank", flat=True)
        if rank and rank[0] == 0:
            return ("full", *imaging.CROPPED_SPECS)
        return ("full",)

    def fill_pixel_hashes(self):
        """Work out the pixel hash of a file stored without one (a camera's JPEG kept as
        it is: ``imaging.lossless_jpeg_copy``; its stored pixels are the uploaded ones),
        and the sketch of one from before sketches, for the duplicate check of later
        uploads. Run by the renditions task; safe to run
        twice, and a file replaced meanwhile keeps whatever its own save recorded."""
        if (self.pixel_hash and self.pixel_sketch) or not self.file:
            return False
        try:
            with self.file.open("rb") as handle:
                sketch = self.pixel_sketch or imaging.stored_sketch(handle)
                handle.seek(0)
                found = self.pixel_hash or imaging.stored_pixel_hash(handle)
        except (OSError, ValueError, MemoryError, PILImage.DecompressionBombError):
            logger.exception("Could not read image %s to hash its pixels", self.pk)
            return False
        unfilled = models.Q(pixel_hash="") | models.Q(pixel_sketch="")
        filled = Image.objects.filter(unfilled, pk=self.pk, file=self.file.name).update(
            pixel_hash=found,
            stored_pixel_hash=self.stored_pixel_hash or found,
            pixel_sketch=sketch,
        )
        if filled:
            self.pixel_hash, self.pixel_sketch = found, sketch
            self.stored_pixel_hash = self.stored_pixel_hash or found
        return bool(filled)

    def rendition_source_key(self):
        """What the renditions depend on: the file, the focal point, which crops."""
        return "|".join([self.file.name, repr(self.focus), ",".join(self.rendition_specs())])

    def make_renditions(self, key=None):
        """Make (again) every rendition and the placeholder for the file, focal point and
        level as they are (``key``, from ``rendition_source_key``), then render again the
        bodies that paste this image (they name its renditions). Readers' requests only
        read what is recorded here. Safe to run twice, or on two workers at once: the rows
        change under the editorial lock and this image's row lock, only if the image is
        still what the renditions were made from and nobody recorded them first; otherwise
        the files made here are removed and False returned. Called without ``key`` (the
        ``renditions`` command), it makes them again even if they are up to date."""
        again = key is None
        key = key or self.rendition_source_key()
        token = hashlib.sha256(key.encode()).hexdigest()[:10]
        stem = PurePosixPath(self.file.name).stem
        made, placeholder = [], ""
        try:
            with self.file.open("rb") as handle, PILImage.open(handle) as source:
                source.draft(source.mode, imaging.decode_size_for_renditions(source.size))
                source.load()
                placeholder = imaging.placeholder_data_uri(source)
                if not imaging.is_animated(source):
                    specs = [
                        spec
                        for spec in self.rendition_specs()
                        if spec == "full"
                        or imaging.needs_own_crop(source.size, imaging.RENDITION_SPECS[spec][0])
                    ]
                    made = imaging.make_renditions(source, specs=specs, focus=self.focus)
        except (OSError, ValueError, MemoryError, PILImage.DecompressionBombError):
            # The original still serves; the page falls back to it.
            logger.exception("Could not make renditions of image %s", self.pk)
        from .. import locking
        from ..invalidation import changed_without_signals
        from .articles import Article

        # The new files first; then the rows change all at once or not at all, and the
        # old files go only once that has committed (delete_file_on_commit).
        renditions = [Rendition.from_data(self, data, f"{stem}-{token}") for data in made]
        alias = router.db_for_write(Rendition)
        with transaction.atomic(using=alias):
            locking.hold_editorial_lock(alias)
            current = Image.objects.using(alias).select_for_update().filter(pk=self.pk).first()
            if (
                current is None
                or (current.renditions_made_from == key and not again)
                or current.rendition_source_key() != key
            ):
                for rendition in renditions:  # gone, done by another worker, or changed
                    delete_file_on_commit(rendition.file.storage, rendition.file.name)
                return False
            for old in self.renditions.all():
                old.delete()
            Rendition.objects.bulk_create(renditions)
            Image.objects.filter(pk=self.pk).update(
                placeholder=placeholder, renditions_made_from=key
            )
            changed_without_signals(self)
            # Bodies show the renditions as rendered on save: the old ones are going.
            for article in Article.objects.filter(
                sections__body__contains=self.address_key
            ).distinct():
                article.render_sections()
        self.placeholder = placeholder
        self.renditions_made_from = key
        return True

    def _renditions(self, spec):
        return [r for r in self.renditions.all() if r.spec == spec]

    def picture(self, spec="full"):
        """The sources for a <picture> of this image, from the renditions (prefetch
        ``renditions``); the original file if there are none (an animation, or an image
        from before renditions)."""
        renditions = self._renditions(spec) or self._renditions("full")
        if not renditions:
            return Picture(src=self.file.url, width=self.width, height=self.height)
        webp = sorted((r for r in renditions if r.format == "webp"), key=lambda r: r.width)
        fallback = sorted((r for r in renditions if r.format != "webp"), key=lambda r: r.width)
        largest = fallback[-1]
        middle = next((r for r in reversed(fallback) if r.width <= 960), fallback[0])
        return Picture(
            src=middle.file.url,
            srcset=", ".join(f"{r.file.url} {r.width}w" for r in fallback),
            webp_srcset=", ".join(f"{r.file.url} {r.width}w" for r in webp),
            width=largest.width,
            height=largest.height,
            fallback_type=MIME_TYPES[largest.format],
        )


RENDITION_FOLDER = "renditions/"


def rendition_upload_to(instance, filename):
    return f"{RENDITION_FOLDER}{filename}"


class Rendition(models.Model):
    """One resized (and, for hero and teaser, cropped) copy of an image, made once."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=16)
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to=rendition_upload_to, max_length=200)
    size = models.PositiveIntegerField(help_text="Bytes.")

    class Meta:
        ordering = ["spec", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "spec", "format", "width"], name="unique_rendition"
            )
        ]

    def __str__(self):
        return f"{self.spec} {self.width}×{self.height} {self.format}"

    @classmethod
    def from_data(cls, image, data, stem):
        rendition = cls(
            image=image,
            spec=data.spec,
            format=data.format,
            width=data.width,
            height=data.height,
            size=len(data.data),
        )
        rendition.file.save(
            f"{stem}-{data.spec}-{data.width}.{data.extension}",
            ContentFile(data.data),
            save=False,
        )
        return rendition


def delete_file_on_commit(storage, name):
    """Delete the file ``name`` from ``storage`` once the current transaction commits (at
    once outside a transaction), unless an image or rendition row points at it by then.

    Never before the commit: until then the change can roll back, and its rows would come
    back pointing at deleted files (a rolled-back re-rendition once left 16 such rows). A
    rolled-back change can leave new files that nothing uses instead; the
    ``orphaned_media`` command finds and removes those. The last look at the rows keeps
    a file that a storage which overwrites names has just given to a new row.
    """
    if not name:
        return
    alias = router.db_for_write(Image)

    def delete():
        in_use = (
            Image.objects.using(alias).filter(file=name).exists()
            or Rendition.objects.using(alias).filter(file=name).exists()
        )
        if not in_use:
            storage.delete(name)

    transaction.on_commit(delete, using=alias)


@receiver(post_delete, sender=Rendition)
def _delete_rendition_file(sender, instance, **kwargs):
    if instance.file:
        delete_file_on_commit(instance.file.storage, instance.file.name)


@receiver(post_delete, sender=Image)
def _delete_image_file(sender, instance, **kwargs):
    if instance.file:
        delete_file_on_commit(instance.file.storage, instance.file.name)
