"""Shareable preview links for reviewers without an admin account: signed, expiring,
for one article, and dead once the article is retracted."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "explainers.preview-link"


def make_token(article):
    return signing.dumps({"article": article.pk}, salt=SALT, compress=True)


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
    return data["article"]
