"""Reader reports: the moderators' resolutions (filing one is limited per client by
``explainers.throttling``). Each resolution is one transaction that changes the article, closes the
reports it answers and leaves one audit entry ("explainers.report.level_raised", ...).

The admin (``explainers.admin.reports``) checks who may do this (with
``explainers.permissions``) and collects the input; the rules on what a resolution may
change live here.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import leaks, locking, permissions
from ..models import Article, AuditEntry, ReaderReport, Section, SpoilerTerm
from ..refusal import Refused
from . import notifications


class ModerationError(Refused):
    """A resolution that cannot go ahead; the message says why, for the moderator."""


# --- resolving -----------------------------------------------------------------------


def _lock_open(reports, *, kind, actor, one_article=True):
    """The reports again, locked, all still open: two moderators acting on the same
    report at once must not both resolve it. Asks the policy first."""
    if not permissions.may_resolve_reports(actor, kind):
        raise ModerationError("You may not resolve reports this way.")
    locking.hold_editorial_lock()  # first, then reports, article, section: see locking.py
    ids = [report.pk for report in reports]
    locked = list(ReaderReport.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    closed = [report for report in locked if not report.is_open]
    if closed or len(locked) != len(ids):
        names = ", ".join(f"#{report.pk}" for report in closed) or "one of them"
        raise ModerationError(
            f"Report {names} was closed by someone else meanwhile; nothing was changed. "
            "Reload the queue and look again."
        )
    articles = {report.article_id for report in locked}
    if one_article and len(articles) != 1:
        raise ModerationError(
            "These reports are about different articles. Resolve one article's reports at "
            "a time (filter the queue by article)."
        )
    return locked


def _close(reports, *, resolution, note, actor, status=ReaderReport.Status.RESOLVED):
    for report in reports:
        report.close(status=status, resolution=resolution, note=note, user=actor)


def _touch(article, *, actor, what, note):
    """Count the change as a save of the article: the version goes up, so an editor with
    the article open is refused rather than silently putting the old section back, and
    the history keeps a revision of it like any other save."""
    from ..revisions import save_revision

    article.save(update_fields=["updated_at"])
    save_revision(article, user=actor, comment=f"Reader report: {what}. {note}".strip())


def _record(verb, reports, *, actor, subject, article, note, **data):
    return AuditEntry.record(
        f"explainers.report.{verb}",
        actor=actor,
        subject=subject,
        article=article,
        comment=note,
        reports=[report.pk for report in reports],
        **data,
    )


def _section_fixed(reports, section, *, resolution, what, note, actor, **data):
    """How a resolution that changed a section ends: its article counts as saved, the
    reports close, and one audit entry says what changed. Returns the article."""
    article = section.article
    _touch(article, actor=actor, what=what, note=note)
    _close(reports, resolution=resolution, note=note, actor=actor)
    _record(
        resolution,
        reports,
        actor=actor,
        subject=f"Section “{section.display_heading}” of “{article.title}”",
        article=article,
        note=note,
        section=section.pk,
        **data,
    )
    return article


def _section_of(reports, section):
    # The article before its section, as an editor's save locks them.
    Article.objects.select_for_update().filter(pk=reports[0].article_id).exists()
    section = Section.objects.select_for_update().select_related("spoiler_level").get(pk=section.pk)
    if section.article_id != reports[0].article_id:
        raise ModerationError("That section belongs to another article.")
    return section


def check_safe_heading(section, safe_heading):
    """Refuse a safe heading that names a spoiler term of the section's work: it is
    what every reader sees while the section is folded. Every resolution that leaves a
    section showing a safe heading asks here."""
    found = leaks.leaks_in_public_text(
        safe_heading, leaks.terms_for_work(section.article.work), field="safe heading"
    )
    if found:
        raise ModerationError(f"{found[0]}; a safe heading is shown to every reader.")


def raise_level(reports, *, section, level, note, actor, safe_heading=""):
    """Move the section up the ladder (it then folds for readers who had not gone that
    far), with a safe heading if it had none, and re-render the article."""
    with transaction.atomic():
        reports = _lock_open(reports, kind="level", actor=actor)
        section = _section_of(reports, section)
        before = section.spoiler_level
        if level.rank <= before.rank:
            raise ModerationError(
                f"The section is already {before.name} (rank {before.rank}); pick a higher "
                "level to raise it."
            )
        safe_heading = (safe_heading or "").strip()
        if not safe_heading and not section.safe_heading.strip():
            raise ModerationError(
                f"Above Spoiler-free a section needs a safe heading, and this one has none. "
                f"Give one that names nothing from the story; readers see it while the "
                f"{level.name} section is folded."
            )
        check_safe_heading(section, safe_heading or section.safe_heading)
        fields = ["spoiler_level"]
        section.spoiler_level = level
        if safe_heading:
            section.safe_heading = safe_heading
            fields.append("safe_heading")
        section.save(update_fields=fields)
        article = _section_fixed(
            reports,
            section,
            resolution="level_raised",
            what=f"raised to {level.name}",
            note=note,
            actor=actor,
            before=before.name,
            after=level.name,
        )
        article.render_sections()  # deferred images and note ranks depend on the level
    return section


def rewrite_safe_heading(reports, *, section, safe_heading, note, actor):
    """Replace what a folded spoiler section shows. The new heading is checked against the
    work's spoiler terms: it is shown to every reader."""
    safe_heading = (safe_heading or "").strip()
    with transaction.atomic():
        reports = _lock_open(reports, kind="heading", actor=actor)
        section = _section_of(reports, section)
        if not section.is_spoiler:
            raise ModerationError(
                "This section is Spoiler-free, so readers see its own heading, not a safe "
                "one. Raise its level instead if the heading gives something away."
            )
        if not safe_heading:
            raise ModerationError("Give the new safe heading.")
        if safe_heading == section.safe_heading:
            raise ModerationError("That is the heading the section already has.")
        check_safe_heading(section, safe_heading)
        before = section.safe_heading
        section.safe_heading = safe_heading
        section.save(update_fields=["safe_heading"])
        _section_fixed(
            reports,
            section,
            resolution="heading_rewritten",
            what="safe heading rewritten",
            note=note,
            actor=actor,
            before=before,
            after=safe_heading,
        )
    return section


def add_warning(reports, *, section, warning, note, actor):
    """Put a content warning on the section; the article's list of warnings follows."""
    with transaction.atomic():
        reports = _lock_open(reports, kind="warning", actor=actor)
        section = _section_of(reports, section)
        if section.content_warnings.filter(pk=warning.pk).exists():
            raise ModerationError(f"The section already carries “{warning.name}”.")
        section.content_warnings.add(warning)
        _section_fixed(
            reports,
            section,
            resolution="warning_added",
            what=f"warning “{warning.name}” added",
            note=note,
            actor=actor,
            warning=warning.name,
        )
    return section


def add_spoiler_term(reports, *, phrase, variants, level, note, actor):
    """Teach the leak check a phrase of the article's work. Returns the term and the
    leaks it now finds in the work's published articles, for the moderator to pass on."""
    with transaction.atomic():
        reports = _lock_open(reports, kind="term", actor=actor)
        article = reports[0].article
        phrase = (phrase or "").strip()
        if SpoilerTerm.objects.filter(work=article.work, phrase__iexact=phrase).exists():
            raise ModerationError(
                f"“{phrase}” is already a spoiler term of {article.work.title}. Raise the "
                "section's level or rewrite its heading instead."
            )
        term = SpoilerTerm(
            phrase=phrase, variants=(variants or "").strip(), work=article.work, spoiler_level=level
        )
        try:
            term.full_clean()
        except ValidationError as error:
            raise ModerationError(" ".join(error.messages)) from error
        term.save()
        _close(reports, resolution="term_added", note=note, actor=actor)
        _record(
            "term_added",
            reports,
            actor=actor,
            subject=f"Spoiler term “{term.phrase}” of {article.work.title}",
            article=article,
            note=note,
            term=term.pk,
            phrase=term.phrase,
            level=level.name,
        )
    found = {
        live.article: live.leaks
        for live in live_leaks(Article.objects.filter(work=article.work_id), limit=None)
    }
    # The authors hear of the leaks this term finds, not of older ones.
    notifications.tell_authors(
        {
            live: [leak for leak in found_leaks if leak.term == term.phrase]
            for live, found_leaks in found.items()
        },
        cause=f"the new spoiler term “{term.phrase}”",
        actor=actor,
    )
    return term, {
        live: [leak.message for leak in found_leaks] for live, found_leaks in found.items()
    }


# --- live articles with leaks ---------------------------------------------------------

# The dashboard looks at this many live articles, the most recently published first.
LIVE_LEAK_LIMIT = 50


@dataclass
class LiveLeaks:
    """A live article (published, or scheduled to be) and the leaks the check finds in it."""

    article: Article
    leaks: list

    @property
    def scheduled(self):
        return self.article.published_at is not None and self.article.published_at > timezone.now()


def live_leaks(articles=None, *, limit=LIVE_LEAK_LIMIT):
    """The live articles among ``articles`` (every article by default) in which the leak
    check finds leaks, newest first, looking at no more than ``limit`` articles.

    Cost: one query for the articles with their work and hero image, one for their authors,
    then ``leaks.check_saved_article`` on each, a fixed handful of queries an article (its
    sections, citations, the work's terms, cast, credits and parts, the word families, the
    images its bodies show): bounded by ``limit``, not by the number of live articles.
    """
    articles = Article.objects.all() if articles is None else articles
    articles = (
        articles.live_or_scheduled()
        .select_related("work__poster__spoiler_level", "hero_image__spoiler_level")
        .prefetch_related("authors")
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
    )
    if limit is not None:
        articles = articles[:limit]
    found = []
    for article in articles:
        report = leaks.check_saved_article(article)
        if report.leaks:
            found.append(LiveLeaks(article, list(report.leaks)))
    return found


def dismiss(reports, *, note, actor):
    """Close reports that need no change (not a spoiler, a duplicate, spam)."""
    with transaction.atomic():
        reports = _lock_open(reports, one_article=False, kind="dismiss", actor=actor)
        articles = {report.article for report in reports}
        article = articles.pop() if len(articles) == 1 else None
        _close(
            reports,
            resolution="dismissed",
            note=note,
            actor=actor,
            status=ReaderReport.Status.DISMISSED,
        )
        _record(
            "dismissed",
            reports,
            actor=actor,
            subject=f"{len(reports)} report(s) on "
            + (f"“{article.title}”" if article else "several articles"),
            article=article,
            note=note,
        )
