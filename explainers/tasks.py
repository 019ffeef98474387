"""Background work, on Django's Tasks framework (``django.tasks`` on Django 6, the
``django_tasks`` backport before it) with the database backend (``django_tasks_db``):
a row per task in the database, run by ``manage.py db_worker``.

What runs here, off the editor's request:
- ``make_renditions``: an image's resized copies and its blurred placeholder (seconds for
  a 24-megapixel still), then the bodies that paste it rendered again;
- ``rebuild_pages``: the stored pages a change made out of date (``stored_pages.py``);
- ``recheck_live_articles``: the leak check on live articles after a moderator changes a
  spoiler term or a word family, the outcome kept in the audit log, the authors told;
- ``refresh_search``: the search text of the articles a shared row (a work, a credit, a
  person) shows, after it changes. An article's own content is refreshed in its own
  transaction, not here, on purpose: a section whose spoiler level is raised must leave the
  search index at the commit, as it leaves the page, not when a worker gets to it. A
  shared row changes names and context, never which text is a spoiler;
- ``go_live``: a scheduled article going live, run at its time (``run_after``): the audit
  entry, and the copies told (its stored page and those listing it, the page cache, the
  edge cache). Rescheduling queues another; the first then finds itself superseded.
  ``manage.py publish_scheduled`` (cron) is the catch-up for anything a worker missed;
- ``send_emails``: the emails to authors (``services/notifications.py``), so a slow mail
  server holds no request; those the server refused are tried again later, alone.

Each task is enqueued once the change that asked for it commits (a worker must never look
for rows that are not there yet, and a change rolled back asks for nothing), and each is
safe to run twice or on two workers at once: it looks at the rows as they are when it runs,
and does nothing if the work is done or was superseded.

Until a task has run, readers are served correctly: a stale stored page is rendered by the
first reader who asks (``stored_pages.page_for``); an image without renditions shows its
original, or, for a spoiler still, a plain placeholder that fetches nothing
(``picture.html``).

With the immediate backend (``TASKS_BACKEND=immediate``; the tests) ``run_or_queue`` runs a
task at once, inside the change's own transaction, as the work ran before there were tasks.
That backend cannot run a task later: no ``go_live`` is queued with it, and
``publish_scheduled`` records the go-lives.
A failed task is retried (``RETRIES`` times, a little later each time); every failure shows
in the admin (Tasks › DB task results) with its traceback.
"""

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import locking

if settings.TASKS_MODULE == "django.tasks":
    from django.tasks import task, task_backends
else:
    from django_tasks import task, task_backends

logger = logging.getLogger(__name__)

RETRIES = 3  # further attempts after a failure
RETRY_DELAY = timedelta(seconds=10)  # times the attempt number


def runs_inline(task_=None):
    """Whether tasks run at once, in the caller's process (the immediate backend)."""
    backend = task_backends[task_.backend if task_ else "default"]
    immediate = import_string(f"{settings.TASKS_MODULE}.backends.immediate.ImmediateBackend")
    return isinstance(backend, immediate)


def enqueue_after_commit(task_, *args):
    """Queue ``task_`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(task_.enqueue, *args))


def run_or_queue(task_, *args):
    """Run ``task_`` now, in the caller's transaction, when tasks run inline (returns its
    result); else queue it after commit (returns None)."""
    if runs_inline(task_):
        return task_.enqueue(*args)
    enqueue_after_commit(task_, *args)
    return None


class PartlyDone(Exception):
    """Raised by a task's work that did part of it: only ``rest`` (the arguments of what is
    left) is tried again."""

    def __init__(self, message, rest):
        super().__init__(message)
        self.rest = rest


def retrying(function, args, attempt):
    """Run ``function(*args)``; on an error queue the task again, a little later, unless it
    has had its tries, and re-raise (the failure is recorded either way)."""
    try:
        return function(*args)
    except Exception as error:
        if attempt < RETRIES and not runs_inline():
            again = _TASKS[function.__name__].using(
                run_after=timezone.now() + RETRY_DELAY * (attempt + 1)
            )
            again.enqueue(*getattr(error, "rest", args), attempt=attempt + 1)
        raise


# --- renditions ------------------------------------------------------------------------


def _make_renditions(image_id, key):
    from .models import Image

    with transaction.atomic():  # read on the primary: a replica may not have the change yet
        image = Image.objects.filter(pk=image_id).first()
        if image is None or not image.file:
            return "gone"
    image.fill_pixel_hashes()  # outside the transaction: a whole decode
    with transaction.atomic():
        if image.rendition_source_key() != key:
            return "superseded"  # changed since: the task its change queued makes them
        if image.renditions_made_from == key:
            return "done already"
    return "made" if image.make_renditions(key=key) else "made elsewhere"


@task()
def make_renditions(image_id, key, attempt=0):
    return retrying(_make_renditions, (image_id, key), attempt)


# --- stored pages ----------------------------------------------------------------------


def _rebuild_pages(article_ids):
    from . import stored_pages

    return stored_pages.build_stale(article_ids)


@task()
def rebuild_pages(article_ids, attempt=0):
    return retrying(_rebuild_pages, (article_ids,), attempt)


def rebuild_after_commit(article_ids):
    """Render these articles' pages again once the transaction commits: one task for all
    the ids one transaction asks for (a save touches an article many times)."""
    _gathered_after_commit(rebuild_pages, "_explainers_rebuild", article_ids)


def _gathered_after_commit(task_, name, article_ids):
    """Queue ``task_`` once the transaction commits, with every article id the transaction
    asked it for (gathered on the connection under ``name``). The first callback to run at
    the commit takes every id asked for; the others find none left. Ids of a transaction
    rolled back go with the next one's: each of these tasks is a no-op on a current row."""
    connection = transaction.get_connection()
    if getattr(connection, name, None) is None:
        setattr(connection, name, set())
    getattr(connection, name).update(article_ids)

    def flush():
        ids = getattr(connection, name)
        setattr(connection, name, set())
        if ids:
            task_.enqueue(sorted(ids))

    transaction.on_commit(flush)


# --- search ----------------------------------------------------------------------------


def _refresh_search(article_ids):
    from . import search

    with transaction.atomic():  # read on the primary: the change that asked is there
        search.refresh(article_ids)
    return len(article_ids)


@task()
def refresh_search(article_ids, attempt=0):
    return retrying(_refresh_search, (article_ids,), attempt)


def refresh_search_after_commit(article_ids):
    """Refresh these articles' search text once the transaction commits (one task for the
    transaction), for a change to a row they share: a work, a credit, a person. Inline, in
    the caller's transaction, with the immediate backend.

    Only for shared rows: they change the names and context an article is found by, never
    which of its text is a spoiler. An article's own content (a section's level raised) is
    refreshed in its own transaction by ``invalidation.apply``, so the spoiler text leaves
    the index at the commit, as it leaves the page."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    if runs_inline(refresh_search):
        run_or_queue(refresh_search, ids)
    else:
        _gathered_after_commit(refresh_search, "_explainers_search", ids)


# --- scheduled go-lives ----------------------------------------------------------------


def _go_live(article_id, published_at):
    from .services.articles import record_go_live

    outcome = record_go_live(article_id, datetime.fromisoformat(published_at))
    if outcome == "not yet":  # run early (by hand, or a worker's clock behind): at its time
        go_live_at(article_id, datetime.fromisoformat(published_at))
    return outcome


@task()
def go_live(article_id, published_at, attempt=0):
    return retrying(_go_live, (article_id, published_at), attempt)


def go_live_at(article_id, published_at):
    """Queue ``go_live`` for a scheduled article, to run at ``published_at``, once the
    transaction commits. Each schedule queues its own; a task whose article was
    rescheduled, unscheduled or retracted since finds itself superseded. The immediate
    backend cannot run a task later: there, ``manage.py publish_scheduled`` records it."""
    if runs_inline(go_live):
        return
    later = go_live.using(run_after=published_at)
    enqueue_after_commit(later, article_id, published_at.isoformat())


# --- leak re-checks --------------------------------------------------------------------

RECHECKED = "explainers.leaks.rechecked"


def _recheck_live_articles(article_ids, cause, actor_id, term, token):
    with transaction.atomic():  # read on the primary (the new term), writing nothing
        return _recheck_on_primary(article_ids, cause, actor_id, term, token)


def _recheck_on_primary(article_ids, cause, actor_id, term, token):
    from django.contrib.auth import get_user_model

    from . import leaks
    from .models import Article, AuditEntry
    from .services import notifications

    if AuditEntry.objects.filter(action=RECHECKED, data__token=token).exists():
        return {"token": token, "done already": True}
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    articles = (
        Article.objects.filter(pk__in=article_ids)
        .live_or_scheduled()
        .select_related("work", "hero_image__spoiler_level")
        .prefetch_related("authors")
        .order_by("pk")
    )
    now = timezone.now()
    checked, found, to_tell = 0, [], {}
    for article in articles:
        checked += 1
        article_leaks = list(leaks.check_saved_article(article).leaks)
        if not article_leaks:
            continue
        found.append(
            {
                "article": article.pk,
                "title": article.title,
                "scheduled": bool(article.published_at and article.published_at > now),
                "leaks": [leak.message for leak in article_leaks],
            }
        )
        # The authors hear of what the change finds, not of leaks other terms found.
        mine = [leak for leak in article_leaks if not term or leak.term == term]
        if mine:
            to_tell[article] = mine
    outcome = {"token": token, "cause": cause, "checked": checked, "found": found}
    with transaction.atomic():
        locking.hold_editorial_lock()
        if AuditEntry.objects.filter(action=RECHECKED, data__token=token).exists():
            return {"token": token, "done already": True}  # another worker got there first
        told = notifications.tell_authors(to_tell, cause=cause, actor=actor)  # after commit
        outcome["told"] = {
            str(article.pk): [a.get_full_name() or a.get_username() for a in authors]
            for article, authors in told.items()
        }
        AuditEntry.record(
            RECHECKED,
            actor=actor,
            subject=f"Live articles checked again after {cause}",
            **outcome,
        )
    return outcome


@task()
def recheck_live_articles(article_ids, cause, actor_id=None, term="", token="", attempt=0):
    return retrying(_recheck_live_articles, (article_ids, cause, actor_id, term, token), attempt)


def recheck_after_change(articles, *, cause, actor=None, term=""):
    """Check ``articles`` (live or scheduled) for leaks again after a change to what the
    check looks for, emailing their authors about what ``term`` (or the change) finds.
    The outcome (see ``_recheck_live_articles``) when run inline; None when queued."""
    ids = sorted(set(articles.values_list("pk", flat=True)))
    args = (ids, cause, actor.pk if actor else None, term, uuid.uuid4().hex)
    result = run_or_queue(recheck_live_articles, *args)
    return None if result is None else result.return_value


# --- emails ----------------------------------------------------------------------------


def _send_emails(messages):
    """Send each message ({"subject", "body", "to": [address]}); those the mail server
    refused are tried again later, the others not sent twice."""
    from django.core.mail import EmailMessage

    unsent = []
    for message in messages:
        email = EmailMessage(
            message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, message["to"]
        )
        try:
            email.send()
        except Exception:
            logger.exception("Could not email %s", ", ".join(message["to"]))
            unsent.append(message)
    if unsent:
        raise PartlyDone(f"{len(unsent)} of {len(messages)} emails not sent", rest=(unsent,))
    return len(messages)


@task()
def send_emails(messages, attempt=0):
    return retrying(_send_emails, (messages,), attempt)


_TASKS = {
    "_make_renditions": make_renditions,
    "_rebuild_pages": rebuild_pages,
    "_recheck_live_articles": recheck_live_articles,
    "_refresh_search": refresh_search,
    "_go_live": go_live,
    "_send_emails": send_emails,
}
