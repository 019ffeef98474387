"""Shareable preview links for reviewers without an admin account: signed, expiring,
for one article, and dead once the article is retracted.

A retraction revokes every link shared before it, for good: each link carries the last
retraction of its article it was made after (its audit entry's id), and stops working
as soon as the article has a later one, whether or not it has since come back as a
draft. A link shared after that works again.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "explainers.preview-link"


RETRACTED = "explainers.article.retracted"


def last_retraction(article_id):
    """The id of the article's latest retraction in the audit log, 0 if none."""
    from .models import AuditEntry

    entries = AuditEntry.objects.filter(article_id=article_id, action=RETRACTED)
    return entries.order_by("-pk").values_list("pk", flat=True).first() or 0


def make_token(article):
    data = {"article": article.pk, "after": last_retraction(article.pk)}
    return signing.dumps(data, salt=SALT, compress=True)


def preview_url(article):
    return reverse("explainers:preview", kwargs={"token": make_token(article)})


class PreviewLinkInvalid(Exception):
    """The link is forged, mangled, or too old; the message says which, for the reader."""


def article_id_from(token):
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.SignatureExpired as expired:
        raise PreviewLinkInvalid(
            "This preview link has expired. Ask the editor who shared it for a new one."
        ) from expired
    except signing.BadSignature as bad:
        raise PreviewLinkInvalid(
            "This preview link is not valid. Check that it was copied whole."
        ) from bad
    if not isinstance(data, dict) or not isinstance(data.get("article"), int):
        raise PreviewLinkInvalid("This preview link is not valid.")
    if data.get("after", 0) != last_retraction(data["article"]):
        # (A link made before links carried "after" counts as made before any retraction.)
        raise PreviewLinkInvalid("This preview link no longer works: the article was withdrawn.")
    return data["article"]
