"""Every change to an article goes through here: a save of its content (``save_article``),
a move in the workflow (``transition``), a restore of an earlier revision (``restore``)
and the record of scheduled articles going live (``record_go_live``, from the task queued
at their time; ``record_go_lives``, the catch-up).

Each is one transaction that takes the editorial lock first, then the article's row (the
lock order in ``explainers.locking``), decides with the rules (``workflow``, ``leaks``),
writes, stores a revision and leaves one audit entry. A refusal raises ``Refused`` before
anything is written.
"""

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils import timezone

from .. import invalidation, leaks, locking, permissions, revisions, tasks, workflow
from ..models import (
    Article,
    AuditEntry,
    Citation,
    ContentWarning,
    DismissedSuggestion,
    Image,
    LeakOverride,
    Section,
    SlugRedirect,
    SpoilerLevel,
    Work,
    WorkPart,
)
from ..models.articles import render_bodies
from ..refusal import Problem, Refused
from ..workflow import TransitionRefused
from . import autosave, merge

S = Article.Status

__all__ = [
    "ArticleChange",
    "SectionChange",
    "Saved",
    "Refused",
    "TransitionRefused",
    "save_article",
    "check",
    "transition",
    "restore",
    "record_go_lives",
    "record_go_live",
]


# --- what a save is given, and what it answers ----------------------------------------------


@dataclass
class SectionChange:
    """A section as it should be: ``section`` holds the values (a new one has no pk).
    ``changed`` says whether it differs from what is saved (unchanged ones are read, not
    written); ``content_warnings`` is the new set, or None to leave them as they are."""

    section: Section
    changed: bool = True
    content_warnings: list | None = None


@dataclass
class ArticleChange:
    """An article as someone wants it saved. ``article`` holds the fields (its ``status``
    the state asked for); a new article has no pk. ``sections`` and ``citations`` None
    means "as saved" (a screen that does not show them). ``opened_version`` is the
    version the change was made on: a save on top of someone else's is refused."""

    article: Article
    opened_version: int | None = None
    sections: list | None = None  # of SectionChange
    removed_sections: list = field(default_factory=list)
    citations: list | None = None  # of (Citation, changed)
    removed_citations: list = field(default_factory=list)
    authors: list | None = None
    related: list | None = None
    comment: str = ""
    override_reason: str = ""
    dismissed: list = field(default_factory=list)  # suggestion snippets judged harmless


@dataclass
class Saved:
    """What a save did, for the screen to report: the move made (or None), the leak
    report of what was saved and its verdict, the override recorded (or None), citation
    keys no section cites, and suggestions not yet dismissed."""

    article: Article
    transition: object
    report: object
    verdict: leaks.Verdict
    override: LeakOverride | None
    unused_keys: list
    suggestions: list
    redirected_from: str = ""  # the old slug that now redirects here, if the slug changed


@contextmanager
def _revision(user):
    """The revision this change is stored as: the caller's (the admin opens one per
    request) or a new one."""
    if reversion.is_active():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        yield
        return
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        yield


def _locked_saved(change):
    """The article's saved row, locked, after checking the change was made on it. A
    stale change is refused with the merge of it and what was saved since."""
    opened_version = change.opened_version
    saved = Article.objects.select_for_update().get(pk=change.article.pk)
    if opened_version is None or opened_version != saved.version:
        conflict = revisions.describe_conflict(saved, opened_version)
        conflict.merge = merge.for_stale_change(change, saved)
        if conflict.merge is not None:
            conflict.message = merge.conflict_message(conflict)
        raise Refused(conflict.message, conflict=conflict)
    return saved


# --- save_article ----------------------------------------------------------------------------


def save_article(change, *, user):
    """Validate → write → render each body once → publishing verdict → revision → audit.

    ``user`` None is the site itself (a management command, the demo loader): no
    permission is asked. Returns ``Saved``; raises ``Refused`` with every problem found,
    each with its place, before anything is written.
    """
    article = change.article
    with transaction.atomic(), _revision(user):
        locking.hold_editorial_lock()
        saved = _locked_saved(change) if article.pk else None
        if user is not None and not permissions.may_save_article(user, saved or article):
            raise Refused("You may not change this article.")
        move = _move(user, saved, article)
        examined = _examine(change, user)
        if examined.problems:
            raise Refused(*examined.problems)
        rendered, report, verdict = examined.rendered, examined.report, examined.verdict
        from_state = saved.status if saved else ""
        if move is not None:
            workflow.prepare(article, move)
        _schedule(saved, article, move)
        _write(change, article, user, creating=saved is None)
        _queue_go_live(saved, article, move)
        autosave.clear_after_save(user, article, created=saved is None)
        redirected_from = _keep_old_address(saved, article)
        rendering = article.render_sections(prepared=rendered)
        override = _record_override(change, article, report, verdict, user)
        for snippet in change.dismissed:
            DismissedSuggestion.objects.get_or_create(
                article=article, snippet=snippet, defaults={"dismissed_by": user}
            )
        dismissed = set(article.dismissed_suggestions.values_list("snippet", flat=True))
        comment = change.comment.strip()
        if move is not None:
            reversion.set_comment(f"{move.label}. {comment}".strip())
            workflow.record(move, article, user=user, from_state=from_state, comment=comment)
        else:
            AuditEntry.record(
                "explainers.article.saved" if saved else "explainers.article.created",
                actor=user,
                subject=article.title,
                article=article,
                comment=comment,
                state=article.status,
            )
    return Saved(
        article=article,
        transition=move,
        report=report,
        verdict=verdict,
        override=override,
        unused_keys=rendering.unused_keys,
        suggestions=[s for s in report.suggestions if s.snippet not in dismissed],
        redirected_from=redirected_from,
    )


def _keep_old_address(saved, article):
    """After a save that may have changed the slug: an address an article holds now is
    that article's (a redirect naming it goes), and a live article's old address redirects
    to it for good. ``saved`` is the row as it was before this save (None for a new one).
    Returns the old slug when a redirect was kept, else "".

    Only an address readers could open is kept: a draft's or a scheduled article's
    earlier slugs were never public, and keeping them would name them to anyone."""
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    if saved is None or saved.slug == article.slug or not saved.is_published():
        return ""
    SlugRedirect.objects.update_or_create(old_slug=saved.slug, defaults={"article": article})
    return saved.slug


@dataclass
class Examined:
    """What a save would find: the bodies rendered, the leak report and its verdict, and
    the problems that would refuse it (each with its place)."""

    rendered: object
    report: object
    verdict: leaks.Verdict
    problems: list


def _examine(change, user):
    """Render each body once and judge the change, without writing anything."""
    article = change.article
    sections = _sections(change, article)
    citations = _citations(change, article)
    sources = {citation.key: citation.source_id for citation in citations}
    rendered = render_bodies(
        [(section.body, section.spoiler_level.rank) for section in sections], sources
    )
    problems = _body_problems(sections, rendered)
    work = article.work if article.work_id else None
    report = leaks.check_article(
        title=article.title,
        dek=article.dek,
        slug=article.slug,
        hero_image=article.hero_image if article.hero_image_id else None,
        sections=sections,
        terms=leaks.terms_for_work(work),
        characters=leaks.characters_for_work(work),
        work=leaks.SharedWork.of(work),
        citations=citations,
    )
    _, verdict = leaks.publishing_verdict(
        article,
        report=report,
        publishing=article.status == S.PUBLISHED,
        user=user,
        override_reason=change.override_reason,
    )
    if verdict.refused:
        problems += [verdict.problem, *report.problems, *map(_leak_problem, report.leaks)]
    return Examined(rendered=rendered, report=report, verdict=verdict, problems=problems)


def check(change, *, user):
    """What saving ``change`` would find, without saving: for checks shown while the
    editor types. Asks the same policy as a save; takes no lock and writes nothing."""
    if not permissions.may_save_article(user, change.article):
        raise Refused("You may not change this article.")
    return _examine(change, user)


def _move(user, saved, article):
    """The workflow move the change asks for (None when the state stays)."""
    if saved is not None and article.status == saved.status:
        return None
    if user is None:  # the site itself: any move the table allows
        found = workflow.find_transition(saved or Article(), article.status)
        if found is None and not (saved is None and article.status == S.DRAFT):
            raise Refused(Problem(f"No move to {article.status} from here.", "status"))
        return found
    try:
        return workflow.check(user, saved or Article(), article.status)
    except TransitionRefused as refusal:
        raise Refused(Problem(str(refusal), "status")) from refusal


def _sections(change, article):
    """The sections in reading order, as they will be saved."""
    if change.sections is None:
        if article.pk is None:
            return []
        return list(
            article.sections.select_related("spoiler_level", "image__spoiler_level").order_by(
                "order", "id"
            )
        )
    ordered = [item.section for item in change.sections]
    return sorted(ordered, key=lambda section: section.order)


def _citations(change, article):
    if change.citations is None:
        if article.pk is None:
            return []
        return list(article.citations.select_related("source"))
    return [citation for citation, _ in change.citations]


def _body_problems(sections, rendered):
    """What the render of each body found wrong, each with the section it is in."""
    problems = []
    for position, (section, result) in enumerate(zip(sections, rendered.rendered, strict=True)):
        heading = section.heading or "untitled"
        name = f"Section {position + 1} (“{heading}”)"
        found = []
        if result.too_deep:
            found.append(
                f"{name} nests lists or quotes too deeply to be laid out (hundreds of "
                "levels). Flatten them; nothing you typed has been lost."
            )
        if result.unclosed_spoiler:
            found.append(
                f"{name} has an inline spoiler that is not closed: “||” opens one and "
                "another “||” must close it in the same paragraph, or the text after it "
                "shows to every reader. For literal bars, put them in `backticks`."
            )
        found += [
            f"Unknown citation key '{key}' in section {position + 1} (“{heading}”). Add a "
            f"citation with the key '{key}' under Citations, or correct the marker."
            for key in result.unknown_keys
        ]
        problems += [Problem(message, field="body", section=position) for message in found]
    return problems


SECTION_FIELDS = {"heading": "heading", "safe heading": "safe_heading", "body": "body"}


def _leak_problem(leak):
    """A leak as a problem placed where the editor fixes it: an article field, or a
    section's field ("section 2" is position 1)."""
    if leak.kind == leaks.LeakKind.SPOILER_HERO:
        return Problem(leak.message, field="hero_image")
    if not leak.place and leak.field in ("title", "dek", "slug"):
        return Problem(leak.message, field=leak.field)
    words = leak.place.split()
    if (
        leak.kind == leaks.LeakKind.TERM
        and leak.field in SECTION_FIELDS
        and len(words) == 2
        and words[0] == "section"
        and words[1].isdigit()
    ):
        return Problem(leak.message, SECTION_FIELDS[leak.field], int(words[1]) - 1)
    return Problem(leak.message)


def _write(change, article, user, *, creating):
    with revisions.followed_loaded(article):
        article.save()
    if change.authors is not None:
        article.authors.set(change.authors)
    if creating and user is not None and not permissions.is_publisher(user):
        article.authors.add(user)  # an editor's new article is theirs to edit
    if change.related is not None:
        article.related.set(change.related)
    for section in change.removed_sections:
        section.delete()
    for item in change.sections or ():
        if item.changed or item.section.pk is None:
            item.section.article = article
            item.section.save()
        if item.content_warnings is not None:
            item.section.content_warnings.set(item.content_warnings)
    for citation in change.removed_citations:
        citation.delete()
    for citation, changed in change.citations or ():
        if changed or citation.pk is None:
            citation.article = article
            citation.save()


def _record_override(change, article, report, verdict, user):
    """A moderator's override: given while publishing over leaks, or ahead of it (so
    whoever publishes next is not refused for these leaks; a new leak still is)."""
    reason = change.override_reason.strip()
    if verdict.overridden or (reason and report.leaks and permissions.can_override(user)):
        return LeakOverride.record(article=article, user=user, reason=reason, leaks=report.messages)
    return None


# --- transition ------------------------------------------------------------------------------


def transition(article, target, *, user, comment="", override_reason=""):
    """One workflow move outside the change form (bulk actions, buttons): checked,
    leak-checked when publishing, saved with a revision and recorded."""
    with transaction.atomic():
        locking.hold_editorial_lock()
        article = Article.objects.select_for_update().get(pk=article.pk)
        move = workflow.check(user, article, target)
        if target == S.PUBLISHED:
            report, verdict = leaks.publishing_verdict(
                article, user=user, override_reason=override_reason
            )
            if verdict.refused:
                raise TransitionRefused(" ".join([verdict.problem, *report.messages]))
            if verdict.overridden:
                LeakOverride.record(
                    article=article, user=user, reason=override_reason, leaks=report.messages
                )
        from_state = article.status
        article.status = target
        workflow.prepare(article, move)
        article.save()
        _queue_go_live(None, article, move)
        revisions.save_revision(article, user=user, comment=f"{move.label}. {comment}".strip())
        workflow.record(move, article, user=user, from_state=from_state, comment=comment)
    return article


def record_go_lives(now=None):
    """Record the scheduled publications whose time has come (visibility never waited
    for this: the published gate compares times). The catch-up behind the ``go_live``
    task (``manage.py publish_scheduled``): returns the articles it recorded, none of
    those the task already did."""
    now = now or timezone.now()
    recorded = []
    with transaction.atomic():
        locking.hold_editorial_lock()
        due = Article.objects.select_for_update().filter(
            status=S.PUBLISHED, awaiting_go_live=True, published_at__lte=now
        )
        for article in due:
            _went_live(article)
            recorded.append(article)
    return recorded


def record_go_live(article_id, published_at, now=None):
    """Record one scheduled article going live at ``published_at``, the time it was
    scheduled for (the ``go_live`` task, run at that time). Returns what it found:
    "went live"; "done already" (recorded before: a second run, or the cron catch-up);
    "superseded" (no longer published, or rescheduled: the new time's task records it);
    "not yet" (run before the time)."""
    now = now or timezone.now()
    with transaction.atomic():
        locking.hold_editorial_lock()
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.status != S.PUBLISHED:
            return "superseded"
        if article.published_at != published_at:
            return "superseded"
        if not article.awaiting_go_live:
            return "done already"
        if article.published_at > now:
            return "not yet"
        _went_live(article)
    return "went live"


def _went_live(article):
    """The record of a scheduled article gone live (its row locked), and the copies that
    may still show the site without it told (pages that list it, caches in front)."""
    Article.objects.filter(pk=article.pk).update(awaiting_go_live=False)
    AuditEntry.record(
        "explainers.article.went_live",
        actor=None,
        subject=article.title,
        article=article,
        from_state="scheduled",
        to_state=S.PUBLISHED,
        published_at=article.published_at.isoformat(),
    )
    invalidation.apply(invalidation.going_live(article))


def _schedule(saved, article, move):
    """Before the write: a live article given a later time goes live again at it."""
    if (
        move is None
        and saved is not None
        and article.published_at != saved.published_at
        and article.is_scheduled()
    ):
        article.awaiting_go_live = True


def _queue_go_live(saved, article, move):
    """After the write: a new or changed go-live time gets a task at that time."""
    if not (article.status == S.PUBLISHED and article.awaiting_go_live):
        return
    if move is not None or saved is None or article.published_at != saved.published_at:
        tasks.go_live_at(article.pk, article.published_at)


# --- restore ---------------------------------------------------------------------------------


class RestoreRefused(Refused):
    pass


def _existing(model, pk):
    return pk if pk is not None and model.objects.filter(pk=pk).exists() else None


def restore(version, *, user):
    """Bring the article back to ``version``'s content as a new revision. The workflow
    state is not content and is never restored; a published article is leak-checked."""
    snap = revisions.snapshot(version)
    with transaction.atomic():
        locking.hold_editorial_lock()
        article = Article.objects.select_for_update().get(pk=int(version.object_id))
        if user is not None and not permissions.can_edit_content(user, article):
            raise RestoreRefused("Only those who may write this article may restore it.")
        before = copy.copy(article)
        data = snap.article
        article.title, article.slug, article.dek = data["title"], data["slug"], data["dek"]
        if Work.objects.filter(pk=data["work_id"]).exists():
            article.work_id = data["work_id"]
        article.hero_image_id = _existing(Image, data.get("hero_image_id"))
        article.save()
        _keep_old_address(before, article)
        article.authors.set(data.get("authors", []))
        article.related.set(Article.objects.filter(pk__in=data.get("related", [])))
        article.sections.exclude(pk__in=list(snap.sections)).delete()
        for pk, values in snap.sections.items():
            section = Section.objects.filter(pk=pk, article=article).first() or Section(
                pk=pk, article=article
            )
            for name in ("order", "heading", "safe_heading", "body"):
                setattr(section, name, values.get(name, ""))
            level = values.get("spoiler_level_id")
            if not SpoilerLevel.objects.filter(pk=level).exists():
                raise RestoreRefused(
                    "This revision uses a spoiler level that no longer exists; it cannot be "
                    "restored as it was."
                )
            section.spoiler_level_id = level
            section.image_id = _existing(Image, values.get("image_id"))
            section.reveals_through_id = _existing(WorkPart, values.get("reveals_through_id"))
            section.save()
            section.content_warnings.set(
                ContentWarning.objects.filter(pk__in=values.get("content_warnings", []))
            )
        article.citations.all().delete()
        for pk, values in snap.citations.items():
            Citation.objects.create(
                pk=pk,
                article=article,
                key=values["key"],
                source_id=values["source_id"],
                locator=values.get("locator", ""),
                quotation=values.get("quotation", ""),
            )
        article.render_sections()
        if article.status == S.PUBLISHED:
            report, verdict = leaks.publishing_verdict(article, user=user)
            if verdict.refused:
                raise RestoreRefused(
                    "This revision cannot be restored while the article is published: the "
                    "leak check finds in it " + "; ".join(report.messages) + ". Move the "
                    "article back to draft first, or restore a later revision."
                )
        when = f"{version.revision.date_created:%Y-%m-%d %H:%M}"
        revisions.save_revision(article, user=user, comment=f"Restored the revision of {when}.")
        AuditEntry.record(
            "explainers.article.restored",
            actor=user,
            subject=article.title,
            article=article,
            revision=version.revision_id,
            revision_date=version.revision.date_created.isoformat(),
        )
    return article
