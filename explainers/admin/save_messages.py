"""What the change form says after a save: what happened, in the newsroom's words, with a
link to where it shows ("Submitted for review", "Published: view live", "Scheduled for
Friday 09:00"), in place of Django's "was changed successfully"."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .. import permissions, workflow


def when(moment):
    """A publication time as the newsroom reads it, in the site's time zone: "Friday 09:00
    (4 December 2026, Europe/Berlin)". The weekday first (what an editor plans by), the
    date after it (a weekday alone is ambiguous beyond this week)."""
    local = timezone.localtime(moment)
    zone = timezone.get_current_timezone_name()
    return f"{local:%A %H:%M} ({local.day} {local:%B %Y}, {zone})"


def outcome(saved, *, user, created):
    """The one message that says what the save did (HTML, escaped where it must be)."""
    article = saved.article
    title = article.title
    live = article.get_absolute_url()
    desk = reverse("admin:index")
    move = workflow.action_name(saved.transition, article) if saved.transition else None
    if move == "submitted":
        return format_html(
            "Submitted for review: “{}”. Senior editors find it on their "
            '<a href="{}#desk-review">desk, under Awaiting review</a>.',
            title,
            desk,
        )
    if move == "published":
        return format_html(
            'Published: <a href="{}">view live</a>. “{}” is on the site.', live, title
        )
    if move == "scheduled":
        return format_html(
            'Scheduled for {}: “{}” goes live then. <a href="{}#desk-scheduled">See the '
            "calendar</a>.",
            when(article.published_at),
            title,
            desk,
        )
    if move == "sent_back":
        return format_html("Back to draft: “{}”.", title)
    if move == "unscheduled":
        return format_html("Unscheduled: “{}” is a draft again and will not go live.", title)
    if move == "retracted":
        return format_html(
            'Retracted: readers of <a href="{}">“{}”</a> now get a short notice instead.',
            live,
            title,
        )
    if move == "reopened":
        return format_html("Back to draft: “{}” (it was retracted).", title)
    if article.is_published():
        return format_html(
            'Saved “{}”: the live page is updated. <a href="{}">View live</a>.', title, live
        )
    if article.is_scheduled():
        return format_html("Saved “{}”: still scheduled for {}.", title, when(article.published_at))
    state = article.get_status_display().lower()
    verb = "Created" if created else "Saved"
    if permissions.may_preview(user):
        return format_html(
            '{} “{}” ({}). <a href="{}">Preview it on the site</a>.', verb, title, state, live
        )
    return format_html("{} “{}” ({}).", verb, title, state)


def moved_address(saved):
    """The old address that now redirects, when the save changed a live article's slug."""
    if not saved.redirected_from:
        return None
    old = reverse("explainers:article", kwargs={"slug": saved.redirected_from})
    return format_html(
        "Its old address {} now redirects to {}, so links to it still work.",
        old,
        saved.article.get_absolute_url(),
    )
