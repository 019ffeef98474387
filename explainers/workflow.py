"""The editorial workflow: who may do what to an article, and the transitions between
its states. The admin asks here, for its forms, buttons and actions alike, so a rule holds
however a request arrives (a hidden button is no protection: every check is on the server).

    draft ──submit──▶ in review ──publish──▶ published (now, or scheduled) ──retract──▶ retracted
      ▲                  │                        │ (scheduled only)                      │
      └────back to draft─┴────────unschedule──────┘◀───────────back to draft─────────────┘
"""

from dataclasses import dataclass

from django.utils import timezone

from .models import Article, AuditEntry
from .permissions import is_author, is_publisher
from .refusal import Refused

S = Article.Status


@dataclass(frozen=True)
class Transition:
    name: str  # the audit action's last part: explainers.article.<name>
    label: str  # the choice editors see
    sources: tuple
    target: str
    by: str  # "author" (the article's authors, and publishers) or "publisher"

    def applies_to(self, article):
        if article.status not in self.sources:
            return False
        if self.name == "unscheduled":
            return article.is_scheduled()
        return True

    def allowed_for(self, user, article):
        if not (user and user.is_active and user.has_perm("explainers.change_article")):
            return False
        if is_publisher(user):
            return True
        return self.by == "author" and is_author(user, article)


TRANSITIONS = [
    Transition("submitted", "Submit for review", (S.DRAFT,), S.IN_REVIEW, "author"),
    Transition("sent_back", "Back to draft", (S.IN_REVIEW,), S.DRAFT, "author"),
    Transition(
        "published",
        "Publish (now, or at the publication time)",
        (S.DRAFT, S.IN_REVIEW),
        S.PUBLISHED,
        "publisher",
    ),
    Transition("unscheduled", "Unschedule: back to draft", (S.PUBLISHED,), S.DRAFT, "publisher"),
    Transition("retracted", "Retract", (S.PUBLISHED,), S.RETRACTED, "publisher"),
    Transition("reopened", "Back to draft", (S.RETRACTED,), S.DRAFT, "publisher"),
]

STATE_HELP = {
    S.DRAFT: "Draft: visible to the newsroom only.",
    S.IN_REVIEW: "In review: waiting for a senior editor.",
    S.PUBLISHED: "Published.",
    S.RETRACTED: "Retracted: readers get a short notice (410 Gone).",
}


class TransitionRefused(Refused):
    pass


def transitions_for(user, article):
    """The transitions this user may make from the article's saved state."""
    return [t for t in TRANSITIONS if t.applies_to(article) and t.allowed_for(user, article)]


def initial_states_for(user):
    """A new article starts as a draft; an author may submit it at once, a publisher
    may publish it at once."""
    states = [S.DRAFT, S.IN_REVIEW]
    if is_publisher(user):
        states.append(S.PUBLISHED)
    return states


def find_transition(article, target):
    return next((t for t in TRANSITIONS if t.applies_to(article) and t.target == target), None)


def check(user, article, target):
    """The transition from the article's saved state to ``target``, or refuse with a
    message that says what to do. ``article`` holds the saved state (status, authors)."""
    if article.pk is None:
        if target == S.DRAFT:
            return None  # a new draft is not a transition
        if target in initial_states_for(user):
            return next(t for t in TRANSITIONS if t.target == target and S.DRAFT in t.sources)
        raise TransitionRefused(
            "Only a senior editor can publish. Save it as a draft or submit it for review."
        )
    transition = find_transition(article, target)
    current = article.state_label.lower()
    if transition is None:
        possible = ", ".join(t.label for t in TRANSITIONS if t.applies_to(article))
        raise TransitionRefused(
            f"An article that is {current} cannot become {S(target).label.lower()} directly. "
            f"Allowed from here: {possible or 'nothing'}."
        )
    if not transition.allowed_for(user, article):
        if transition.by == "publisher":
            raise TransitionRefused(
                f"Only a senior editor can {transition.label.split(' (')[0].lower()} an article."
            )
        raise TransitionRefused("Only the article's authors or a senior editor can do that.")
    return transition


def action_name(transition, article):
    """``published`` becomes ``scheduled`` when the publication time is still to come."""
    if transition.target == S.PUBLISHED and article.is_scheduled():
        return "scheduled"
    return transition.name


def record(transition, article, *, user, from_state, comment=""):
    name = action_name(transition, article)
    return AuditEntry.record(
        f"explainers.article.{name}",
        actor=user,
        subject=article.title,
        article=article,
        comment=comment,
        from_state=from_state,
        to_state=article.status,
        published_at=article.published_at.isoformat() if article.published_at else None,
    )


def prepare(article, transition):
    """Field changes that go with entering a state (before the save)."""
    if transition.target == S.PUBLISHED:
        if article.published_at is None:
            article.published_at = timezone.now()
        article.awaiting_go_live = article.published_at > timezone.now()
    elif transition.name == "unscheduled":
        article.published_at = None
        article.awaiting_go_live = False
