"""Images: one pasted or dropped into the Markdown editor (``upload_image``), and one
added or changed in the image library (``save_image``).

An image written here is checked first (``imaging.check_image_upload``: a real picture,
within the size and pixel limits, not an animation bomb), stored under a name that gives
nothing away, and recorded in the audit log. A changed image is shown again by every
body that pastes it: those articles are rendered again in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import locking, permissions
from ..models import Article, AuditEntry, Image, SpoilerLevel
from ..refusal import Problem, Refused


def upload_image(upload, *, user):
    """An image from the editor, as ``(image, created)``.

    A picture already in the library (the same pixels, whatever the file's format or
    metadata: ``imaging.pixel_hash``) is that image, not a second copy. A new one comes
    with no alt text or credit yet and at the highest spoiler level until someone says
    otherwise: it cannot be a hero by accident, and the article showing it cannot be
    published until it is described and credited."""
    if not permissions.may_add_images(user):
        raise Refused("Only those who may add images may upload one.")
    try:
        existing = Image.objects.same_picture_as(upload).first()  # checks the upload first
    except ValidationError as error:
        raise Refused(*(Problem(m, field="image") for m in error.messages)) from error
    if existing is not None:
        return existing, False
    upload.seek(0)
    with transaction.atomic():
        image = Image(spoiler_level=SpoilerLevel.objects.order_by("-rank").first())
        # The stored name comes from what Pillow found, never from the uploaded name.
        image.file.save("upload", upload, save=False)
        image.save()
        AuditEntry.record(
            "explainers.image.uploaded", actor=user, subject=str(image), image=image.pk
        )
    return image, True


def save_image(image, *, user, creating):
    """An image from the library's form (already validated there, its file checked).
    Returns the articles whose bodies were rendered again."""
    with transaction.atomic():
        locking.hold_editorial_lock()
        if not creating and not permissions.may_change_shared(user, image):
            raise Refused(
                "Articles other than your own drafts show this image, so only a senior "
                "editor may change it."
            )
        image.save()
        rendered = []
        if not creating and image.file:
            # Bodies show an image's alt text, credit and renditions as rendered on save.
            for article in Article.objects.filter(
                sections__body__contains=image.address_key
            ).distinct():
                article.render_sections()
                rendered.append(article)
        AuditEntry.record(
            "explainers.image.added" if creating else "explainers.image.changed",
            actor=user,
            subject=str(image),
            image=image.pk,
            level=image.spoiler_level.name if image.spoiler_level_id else "",
        )
    return rendered
