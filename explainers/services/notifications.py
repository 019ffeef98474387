"""Telling people about leaks they did not make: when a moderator's new or changed
spoiler term (or word family) makes the leak check find something in a live article,
each of the article's authors with an email address gets one email naming the article,
each leak and its place, and a link to the change form.

Emails go through Django's email framework (``EMAIL_BACKEND``: the console in
development), sent by a background task (``tasks.send_emails``) queued once the change that
caused them is committed: a change rolled back tells nobody, a slow mail server holds no
request, and one that is down gets the emails again later (the task's retries).
"""

from django.urls import reverse

from .. import tasks
from ..origin import absolute


def place_anchor(leak):
    """The id on the article's change form nearest to where ``leak`` is, with its "#",
    or "" when the place is not on the form (the work's own texts)."""
    place, field = leak.place, leak.field
    if not place:
        return f"#id_{field}" if field in ("title", "dek", "slug") else ""
    if place == "the hero image":
        return "#id_hero_image"
    words = place.split()
    if len(words) >= 2 and words[-2] == "section" and words[-1].isdigit():
        # "section 3", "the image in section 3": the inline's forms count from 0.
        return f"#sections-{int(words[-1]) - 1}"
    if "cited as" in place or place.startswith("citation"):
        return "#citations-group"
    return ""


def change_url(article, leak=None):
    url = reverse("admin:explainers_article_change", args=[article.pk])
    return url + (place_anchor(leak) if leak is not None else "")


def _email_for(article, leaks, *, cause, actor):
    who = (actor.get_full_name() or actor.get_username()) if actor else "A moderator"
    lines = [
        f"{who} changed the leak check ({cause}), and it now finds "
        f"{'a leak' if len(leaks) == 1 else f'{len(leaks)} leaks'} in “{article.title}”, "
        "which readers can already see (or will at its scheduled time):",
        "",
    ]
    for leak in leaks:
        lines += [f"- {leak.message}.", f"  Go there: {absolute(change_url(article, leak))}"]
    lines += [
        "",
        "Please fix it: reword the place, raise the section's level, or ask a senior "
        "editor to retract the article. Every live article with a leak is listed at "
        f"{absolute(reverse('admin:explainers_readerreport_live_leaks'))}",
    ]
    return f"Leak found in your live article “{article.title}”", "\n".join(lines)


def tell_authors(found, *, cause, actor=None):
    """Email the authors of each article in ``found`` ({article: [Leak, ...]}) about its
    leaks, after the current transaction commits. Returns {article: [author, ...]}: who
    will be emailed, for the message to whoever made the change."""
    told = {}
    outbox = []
    for article, leaks in found.items():
        if not leaks:
            continue
        authors = [author for author in article.authors.all() if author.email]
        if not authors:
            continue
        subject, body = _email_for(article, leaks, cause=cause, actor=actor)
        for author in authors:
            outbox.append({"subject": subject, "body": body, "to": [author.email]})
        told[article] = authors
    if outbox:
        tasks.enqueue_after_commit(tasks.send_emails, outbox)
    return told


def told_message(told):
    """One line for the admin saying who was emailed, or "" when nobody was. ``told``:
    [(article title, [author names])]."""
    if not told:
        return ""
    parts = [f"“{title}” ({', '.join(names)})" for title, names in told]
    return "Emailed the authors of " + "; ".join(parts) + "."
