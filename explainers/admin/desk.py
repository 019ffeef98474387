"""The newsroom desk: what the admin's home shows each member of the newsroom first.

- **My drafts**: the user's own drafts, the last edited first;
- **Awaiting review**: articles submitted for review, the longest waiting first, for those
  who may approve them (``permissions.may_review``);
- **Scheduled**: articles set to go live later, as a week or a month calendar;
- **Recently published**: the newest live articles, each with a link to its live page;
- **Live articles with leaks**: what the leak check now finds in live articles
  (``services.moderation.live_leaks``, the list the moderation dashboard shows), for those
  who may see that list (``permissions.may_see_live_leaks``).

Each panel has its count and a link to the article list filtered the same way (the list's
``state`` and ``mine`` filters, ``articles.py``). The moderators' module (open reports, the
dashboard) stays as it was, in ``templates/admin/index.html``.

Cost: one query for every count, two for each list (its articles, their authors), one for
the calendar's window, one for the word families; the live-leak scan (a handful of queries
for each live article, up to ``LIVE_LEAK_LIMIT``) is kept in the cache until anything it
reads changes (``_scanned_live_leaks``).
"""

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .. import page_cache, permissions
from ..models import Article, WordFamily
from ..services import moderation

S = Article.Status

LIST_LENGTH = 6  # rows a panel lists; its count and link cover the rest
CALENDAR_YEARS = 5  # how far from today the calendar may be moved


@dataclass
class Panel:
    key: str
    title: str
    count: int
    rows: list
    link: str
    link_label: str
    empty: str
    note: str = ""


@dataclass
class Day:
    day: date
    articles: list = field(default_factory=list)
    today: bool = False
    in_month: bool = True


@dataclass
class Calendar:
    view: str  # "week" or "month"
    title: str
    days: list  # of Day (a month: whole weeks, Monday first)
    previous: str  # query strings for the neighbouring week or month
    following: str
    other_view: str
    this_period: str
    zone: str = ""
    error: str = ""

    @property
    def weeks(self):
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    @property
    def count(self):
        return sum(len(day.articles) for day in self.days)


def may_use_desk(user):
    return bool(
        user and user.is_active and user.is_staff and user.has_perm("explainers.view_article")
    )


def changelist(query=""):
    url = reverse("admin:explainers_article_changelist")
    return f"{url}?{query}" if query else url


def _row(article, *, when=None):
    return {
        "article": article,
        "title": article.title,
        "edit_url": reverse("admin:explainers_article_change", args=[article.pk]),
        "live_url": article.get_absolute_url(),
        "when": when,
        "authors": ", ".join(a.get_full_name() or a.get_username() for a in article.authors.all()),
    }


def _listed(queryset):
    return list(
        queryset.select_related("work")
        .prefetch_related("authors")
        .only("title", "slug", "status", "published_at", "updated_at", "work__title")[:LIST_LENGTH]
    )


def build(user, query=None, now=None):
    """The desk for ``user``: its panels (only those the user may see) and the calendar.
    ``query`` is the home page's query string (the calendar's view and date)."""
    if not may_use_desk(user):
        return None
    now = now or timezone.now()
    query = query or {}
    writes = user.has_perm("explainers.add_article")
    reviews = permissions.may_review(user)
    week_ago = now - timedelta(days=7)
    counts = Article.objects.aggregate(
        mine=Count("pk", filter=Q(status=S.DRAFT, authors=user), distinct=True),
        review=Count("pk", filter=Q(status=S.IN_REVIEW), distinct=True),
        scheduled=Count("pk", filter=Q(status=S.PUBLISHED, published_at__gt=now), distinct=True),
        recent=Count(
            "pk",
            filter=Q(status=S.PUBLISHED, published_at__lte=now, published_at__gt=week_ago),
            distinct=True,
        ),
        live=Count("pk", filter=Q(status=S.PUBLISHED, published_at__lte=now), distinct=True),
    )
    panels = []
    if writes:
        drafts = Article.objects.filter(status=S.DRAFT, authors=user).order_by("-updated_at", "-pk")
        panels.append(
            Panel(
                "mine",
                "My drafts",
                counts["mine"],
                [_row(a, when=a.updated_at) for a in _listed(drafts)],
                changelist("mine=drafts"),
                "All my drafts",
                "No drafts of yours: start one with “Write an article”.",
            )
        )
    if reviews:
        waiting = Article.objects.filter(status=S.IN_REVIEW).order_by("updated_at", "pk")
        panels.append(
            Panel(
                "review",
                "Awaiting review",
                counts["review"],
                [_row(a, when=a.updated_at) for a in _listed(waiting)],
                changelist("state=in_review"),
                "Everything in review",
                "Nothing is waiting for review.",
                note="The longest waiting first.",
            )
        )
    scheduled = Article.objects.filter(status=S.PUBLISHED, published_at__gt=now).order_by(
        "published_at", "pk"
    )
    panels.append(
        Panel(
            "scheduled",
            "Scheduled",
            counts["scheduled"],
            [_row(a, when=a.published_at) for a in _listed(scheduled)],
            changelist("state=scheduled"),
            "All scheduled",
            "Nothing is scheduled.",
            note="The soonest first; the calendar below shows when.",
        )
    )
    recent = Article.objects.filter(status=S.PUBLISHED, published_at__lte=now).order_by(
        "-published_at", "-pk"
    )
    panels.append(
        Panel(
            "recent",
            "Recently published",
            counts["live"],
            [_row(a, when=a.published_at) for a in _listed(recent)],
            changelist("state=published"),
            "Everything live",
            "Nothing has been published yet.",
            note=f"{counts['recent']} in the last 7 days; the newest first.",
        )
    )
    return {
        "panels": panels,
        "calendar": month_or_week(query, now=now),
        "leaks": _live_leaks(user),
        "may_write": writes,
        "add_url": reverse("admin:explainers_article_add"),
    }


def _scanned_live_leaks():
    """``moderation.live_leaks`` as of the last change anything public saw: the scan costs
    a handful of queries for each live article (up to ``LIVE_LEAK_LIMIT``), and the desk is
    every editor's home page. It is kept under the page cache's generation, which every
    change to an article, section, work, credit, image, term or level moves on (the
    invalidation map), and a digest of the word families (which no page shows, so they move
    no generation); at most ``PAGE_CACHE_SECONDS``, and not at all while the page cache is
    off (``PAGE_CACHE_SECONDS = 0``, as in the tests), when nothing moves the generation."""
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0:
        return _live_leak_rows(moderation.live_leaks(limit=moderation.LIVE_LEAK_LIMIT))
    families = hashlib.sha256(
        "\n".join(
            f"{pk}:{words}"
            for pk, words in WordFamily.objects.order_by("pk").values_list("pk", "words")
        ).encode()
    ).hexdigest()[:16]
    key = f"explainers:desk-live-leaks:{page_cache.generation()}:{families}"
    found = cache.get(key)
    if found is None:
        found = _live_leak_rows(moderation.live_leaks(limit=moderation.LIVE_LEAK_LIMIT))
        cache.set(key, found, seconds)
    return found


def _live_leak_rows(scanned):
    return [
        {
            "pk": live.article.pk,
            "title": live.article.title,
            "scheduled": live.scheduled,
            "messages": [leak.message for leak in live.leaks],
        }
        for live in scanned
    ]


def _live_leaks(user):
    if not permissions.may_see_live_leaks(user):
        return None
    found = _scanned_live_leaks()
    return {
        "count": len(found),
        "rows": [
            {
                "title": live["title"],
                "edit_url": reverse("admin:explainers_article_change", args=[live["pk"]]),
                "state": "Scheduled" if live["scheduled"] else "Published",
                "leaks": len(live["messages"]),
                "first": live["messages"][0],
            }
            for live in found[:LIST_LENGTH]
        ],
        "link": reverse("admin:explainers_readerreport_live_leaks"),
        "limit": moderation.LIVE_LEAK_LIMIT,
    }


# --- the calendar -----------------------------------------------------------------------------


def _start(query, today):
    """The day the calendar is about (a bad or far-off date: today, and why)."""
    raw = (query.get("from") or "").strip()
    if not raw:
        return today, ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, f"“{raw[:40]}” is not a date (write it as 2026-12-31): showing today."
    if abs(day.year - today.year) > CALENDAR_YEARS:
        return today, f"The calendar goes {CALENDAR_YEARS} years either way: showing today."
    return day, ""


def month_or_week(query, *, now):
    """The scheduled articles of a week (from a given day, today by default) or of a month
    (the month holding that day, in whole weeks), in the site's time zone."""
    today = timezone.localdate(now)
    view = "month" if query.get("calendar") == "month" else "week"
    start, error = _start(query, today)
    if view == "month":
        first = start.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        begin = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        title = f"{first:%B %Y}"
        before = (first - timedelta(days=1)).replace(day=1)
        after = last + timedelta(days=1)
    else:
        first = begin = start
        end = start + timedelta(days=6)
        title = f"{begin.day} {begin:%B} – {end.day} {end:%B %Y}"
        before, after = start - timedelta(days=7), start + timedelta(days=7)
    days = {
        begin + timedelta(days=n): Day(begin + timedelta(days=n))
        for n in range((end - begin).days + 1)
    }
    for day in days.values():
        day.today = day.day == today
        day.in_month = view == "week" or day.day.month == first.month
    zone = timezone.get_current_timezone()
    window = (
        timezone.make_aware(datetime.combine(begin, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )
    scheduled = (
        Article.objects.filter(
            status=S.PUBLISHED,
            published_at__gt=now,
            published_at__gte=window[0],
            published_at__lt=window[1],
        )
        .order_by("published_at", "pk")
        .only("title", "published_at")
    )
    for article in scheduled:
        local = timezone.localtime(article.published_at, zone)
        days[local.date()].articles.append(
            {
                "title": article.title,
                "time": f"{local:%H:%M}",
                "edit_url": reverse("admin:explainers_article_change", args=[article.pk]),
            }
        )

    def link(kind, day):
        return f"calendar={kind}&from={day.isoformat()}"

    return Calendar(
        view=view,
        title=title,
        days=list(days.values()),
        previous=link(view, before),
        following=link(view, after),
        other_view=link("week" if view == "month" else "month", start),
        this_period=link(view, today),
        zone=timezone.get_current_timezone_name(),
        error=error,
    )
