"""What the admin's forms post, built the way a browser would fill them in, and the pages
they answer with: the builders every admin test shares."""

import html
import re

from django.test import Client
from django.utils import timezone

ADD_URL = "/admin/explainers/article/add/"


CHANGELIST_URL = "/admin/explainers/article/"


IMAGE_ADD_URL = "/admin/explainers/image/add/"


def section_row(level, heading, body, *, safe_heading="", order="", image="", warnings=(), pk=""):
    return {
        "id": pk,
        "order": order,
        "spoiler_level": level.pk,
        "heading": heading,
        "safe_heading": safe_heading,
        "body": body,
        "image": image,
        "reveals_through": "",
        "content_warnings": [warning.pk for warning in warnings],
    }


def citation_row(key, source, *, locator="", quotation="", pk="", delete=False):
    row = {"id": pk, "key": key, "source": source.pk, "locator": locator, "quotation": quotation}
    if delete:
        row["DELETE"] = "on"
    return row


def article_post(
    work,
    *,
    title="The Perfection’s ending, explained",
    slug="the-perfection-ending-explained",
    dek="What the closing minutes mean, without giving them away.",
    status="draft",
    published_at=("", ""),
    hero_image="",
    sections=(),
    citations=(),
    article=None,
    initial_sections=0,
    initial_citations=0,
):
    """The data the admin's add/change form posts: main fields plus both inlines."""
    data = {
        "title": title,
        "slug": slug,
        "dek": dek,
        "work": work.pk,
        "hero_image": hero_image,
        "status": status,
        "published_at_0": published_at[0],
        "published_at_1": published_at[1],
        "opened_version": article.version if article else "",
        "_save": "Save",
    }
    for prefix, rows, initial in (
        ("sections", sections, initial_sections),
        ("citations", citations, initial_citations),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-article"] = article.pk if article else ""
            for name, value in row.items():
                data[f"{prefix}-{index}-{name}"] = value
    return data


def page_text(response):
    """The page with HTML entities decoded, so messages can be matched as written."""
    return html.unescape(response.content.decode())


def errors_in(response):
    """The error lists on an admin page, for assertion messages."""
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page_text(response), re.S)


def change_url(article):
    return f"/admin/explainers/article/{article.pk}/change/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def full_post(article, **overrides):
    """The article's change form as it stands, with ``overrides``: what a browser posts."""
    article.refresh_from_db()
    sections = [
        section_row(
            s.spoiler_level,
            s.heading,
            s.body,
            safe_heading=s.safe_heading,
            order=s.order,
            pk=s.pk,
            warnings=list(s.content_warnings.all()),
        )
        for s in article.sections.order_by("order")
    ]
    citations = [
        citation_row(c.key, c.source, locator=c.locator, quotation=c.quotation, pk=c.pk)
        for c in article.citations.select_related("source")
    ]
    data = article_post(
        article.work,
        title=article.title,
        slug=article.slug,
        dek=article.dek,
        status=article.status,
        article=article,
        sections=sections,
        initial_sections=len(sections),
        citations=citations,
        initial_citations=len(citations),
    )
    data.pop("published_at_0")
    data.pop("published_at_1")
    if article.published_at:
        local = timezone.localtime(article.published_at)
        data["published_at_0"] = f"{local:%Y-%m-%d}"
        data["published_at_1"] = f"{local:%H:%M:%S}"
    data["authors"] = [user.pk for user in article.authors.all()]
    data.update(overrides)
    return data


def admin_url(obj, view="change"):
    return f"/admin/explainers/{obj._meta.model_name}/{obj.pk}/{view}/"


def image_post(image, **changes):
    data = {
        "alt_text": image.alt_text,
        "credit": image.credit,
        "caption": image.caption,
        "spoiler_level": image.spoiler_level_id,
        "focal_x": "" if image.focal_x is None else image.focal_x,
        "focal_y": "" if image.focal_y is None else image.focal_y,
    }
    return {**data, **changes}
