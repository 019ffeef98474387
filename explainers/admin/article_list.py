"""The article list's own pieces: filters by state (with "Scheduled", which is published
with a publication time still to come: ``Article.is_scheduled``) and by "mine", and a
title column that keeps to one line (the whole title in its tooltip)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from ..models import Article

S = Article.Status

TITLE_CHARS = 70


class StateFilter(admin.SimpleListFilter):
    """The workflow state as the newsroom says it: "Scheduled" and "Published" (live) are
    both published rows, told apart by the clock, as the published gate does."""

    title = "state"
    parameter_name = "state"
    STATES = {
        "draft": "Draft",
        "in_review": "In review",
        "scheduled": "Scheduled",
        "published": "Published (live)",
        "retracted": "Retracted",
    }

    def lookups(self, request, model_admin):
        return list(self.STATES.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value not in self.STATES:
            return queryset  # an unknown value filters nothing (Django shows every row)
        now = timezone.now()
        if value == "scheduled":
            return queryset.filter(status=S.PUBLISHED, published_at__gt=now)
        if value == "published":
            return queryset.filter(status=S.PUBLISHED, published_at__lte=now)
        return queryset.filter(status=value)


class MineFilter(admin.SimpleListFilter):
    title = "mine"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("drafts", "My drafts"), ("all", "Everything I wrote")]

    def queryset(self, request, queryset):
        if self.value() == "drafts":
            return queryset.filter(authors=request.user, status=S.DRAFT)
        if self.value() == "all":
            return queryset.filter(authors=request.user)
        return queryset


@admin.display(description="title", ordering="title")
def title_column(article):
    """One line: a long title is cut, with the whole of it in the tooltip."""
    short = Truncator(article.title).chars(TITLE_CHARS)
    return format_html('<span class="article-title" title="{}">{}</span>', article.title, short)


def _short(moment):
    """A time on one short line in the site's time zone: "4 Dec 09:00", the year added
    when it is not this one."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    shown = f"{local.day} {local:%b %H:%M}"
    if local.year != timezone.localdate().year:
        shown = f"{local.day} {local:%b %Y}"
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), shown)


@admin.display(description="state", ordering="published_at")
def state_column(article):
    """The state as the newsroom says it, with when it went or goes live."""
    when = _short(article.published_at) if article.status == S.PUBLISHED else ""
    if not when:
        return article.state_label
    return format_html('{}<br><small class="quiet">{}</small>', article.state_label, when)


@admin.display(description="last saved", ordering="updated_at")
def updated_column(article):
    return _short(article.updated_at)


@admin.display(description="live", boolean=True)
def live_column(article):
    """The instance twin of the published gate (``Article.is_published``), as a tick."""
    return article.is_published()
