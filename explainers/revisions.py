"""Article history: every save stores a revision (django-reversion keeps the rows), and
here we read them back as snapshots, compare two of them field by field and section by
section, and restore one as a new revision. Nothing is overwritten or deleted: a restore
is a save like any other, with its own revision and audit entry.

The workflow state (status, publication time) is not content and is never restored: an
old draft revision brought back onto a live article does not unpublish it.
"""

import difflib
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.html import escape
from django.utils.safestring import mark_safe
from reversion.models import Version

ARTICLE_FIELDS = [
    ("title", "Title"),
    ("slug", "Slug"),
    ("dek", "Dek"),
    ("work_id", "Work"),
    ("hero_image_id", "Hero image"),
    ("authors", "Authors"),
    ("related", "Further reading"),
]
SECTION_FIELDS = [
    ("order", "Order"),
    ("heading", "Heading"),
    ("safe_heading", "Safe heading"),
    ("spoiler_level_id", "Spoiler level"),
    ("body", "Body"),
    ("image_id", "Image"),
    ("reveals_through_id", "Reveals through"),
    ("content_warnings", "Content warnings"),
]
CITATION_FIELDS = [
    ("key", "Key"),
    ("source_id", "Source"),
    ("locator", "Locator"),
    ("quotation", "Quotation"),
]


def register():
    """Called from the app's ``ready``: what a revision of an article holds."""
    from .models import Article, Citation, Section

    if not reversion.is_registered(Article):
        reversion.register(
            Article,
            follow=("sections", "citations"),
            # ``version`` is kept (to tell which revision a stale form was opened on) but
            # never restored: a restore is a new save.
            # The search index is derived from the rest (explainers.search), like body_html.
            exclude=(
                "awaiting_go_live",
                "updated_at",
                "search_context",
                "search_body",
                "search_vector",
                "spoiler_reach",
            ),
        )
        reversion.register(Section, exclude=("body_html",))
        reversion.register(Citation, exclude=("number", "spoiler_rank"))


@contextmanager
def followed_loaded(article):
    """While ``article`` is saved: what its revision serializes (sections with their
    levels and warnings, citations, authors, related picks) loaded in a few queries
    rather than one or two per section. Forgotten afterwards: the rows change next."""
    from .models import Section

    if article.pk is None:
        yield
        return
    sections = Section.objects.select_related("spoiler_level").prefetch_related("content_warnings")
    prefetch_related_objects(
        [article], Prefetch("sections", queryset=sections), "citations", "authors", "related"
    )
    try:
        yield
    finally:
        for name in ("sections", "citations", "authors", "related"):
            article._prefetched_objects_cache.pop(name, None)


def save_revision(article, *, user=None, comment=""):
    """Store the article as it is now (inside an open revision block, join it)."""
    if reversion.is_active():
        reversion.add_to_revision(article)
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        return
    with reversion.create_revision():
        reversion.add_to_revision(article)
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)


def versions_of(article):
    """The article's versions, newest first, each with its revision and user."""
    return Version.objects.get_for_object(article).select_related("revision__user")


@dataclass
class Snapshot:
    version: object
    article: dict
    sections: dict = field(default_factory=dict)  # pk -> field dict
    citations: dict = field(default_factory=dict)

    @property
    def revision(self):
        return self.version.revision

    def ordered_sections(self):
        return sorted(self.sections.items(), key=lambda item: (item[1]["order"], item[0]))


def snapshot(version):
    from .models import Citation, Section

    snap = Snapshot(version=version, article=version.field_dict)
    types = ContentType.objects.get_for_models(Section, Citation)
    for other in version.revision.version_set.filter(
        content_type__in=types.values()
    ).select_related("content_type"):
        target = snap.sections if other.content_type == types[Section] else snap.citations
        try:
            target[int(other.object_id)] = other.field_dict
        except Exception:  # a row the model no longer fits: skip it
            continue
    return snap


# --- comparing ---------------------------------------------------------------------------

# Words with their trailing space: a diff of whole words reads better than one that
# matches the spaces between two rewritten phrases.
_TOKENS = re.compile(r"\s+|\S+\s*")


def word_diff(before, after):
    """HTML of ``after`` against ``before``: removed words in <del>, added in <ins>."""
    a, b = _TOKENS.findall(str(before)), _TOKENS.findall(str(after))
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("replace", "insert"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
    return mark_safe("".join(parts))  # every piece above is escaped


@dataclass
class Change:
    label: str
    before: str
    after: str

    @property
    def html(self):
        return word_diff(self.before, self.after)


@dataclass
class PartDiff:
    """One section or citation: added, removed, or changed (with its field changes)."""

    kind: str  # "added" | "removed" | "changed"
    name: str
    changes: list = field(default_factory=list)


@dataclass
class Comparison:
    older: Snapshot
    newer: Snapshot
    article: list
    sections: list
    citations: list

    def __bool__(self):
        return bool(self.article or self.sections or self.citations)

    def summary(self):
        """A short list of what changed, for messages: ["title", "section “…” body"]."""
        items = [change.label.lower() for change in self.article]
        for part in self.sections + self.citations:
            if part.kind == "changed":
                fields = ", ".join(change.label.lower() for change in part.changes)
                items.append(f"{part.name} ({fields})")
            else:
                items.append(f"{part.name} {part.kind}")
        return items


class _Names:
    """Readable values for ids in a snapshot (a work's title, not 3)."""

    def __init__(self):
        from .models import ContentWarning, Image, Source, SpoilerLevel, Work, WorkPart

        self.models = {
            "work_id": Work,
            "hero_image_id": Image,
            "image_id": Image,
            "spoiler_level_id": SpoilerLevel,
            "reveals_through_id": WorkPart,
            "source_id": Source,
            "content_warnings": ContentWarning,
        }
        self.cache = {}

    def __call__(self, name, value):
        from django.contrib.auth import get_user_model

        from .models import Article

        model = self.models.get(name) or {"authors": get_user_model(), "related": Article}.get(name)
        if model is None or value in (None, ""):
            return "" if value is None else str(value)
        ids = value if isinstance(value, list | tuple) else [value]
        labels = []
        for pk in ids:
            key = (model, pk)
            if key not in self.cache:
                obj = model.objects.filter(pk=pk).first()
                self.cache[key] = str(obj) if obj is not None else f"(deleted #{pk})"
            labels.append(self.cache[key])
        return ", ".join(sorted(labels))


def _field_changes(fields, before, after, names):
    changes = []
    for name, label in fields:
        old, new = before.get(name), after.get(name)
        if isinstance(old, list) or isinstance(new, list):
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            changes.append(Change(label, names(name, old), names(name, new)))
    return changes


def _part_name(kind, data, position=None):
    if kind == "section":
        return f"section “{data.get('heading', '')}”"
    return f"citation [@{data.get('key', '')}]"


def _parts(kind, fields, before, after, names):
    diffs = []
    for pk in list(before) + [pk for pk in after if pk not in before]:
        old, new = before.get(pk), after.get(pk)
        if old is None:
            diffs.append(
                PartDiff("added", _part_name(kind, new), _field_changes(fields, {}, new, names))
            )
        elif new is None:
            diffs.append(
                PartDiff("removed", _part_name(kind, old), _field_changes(fields, old, {}, names))
            )
        else:
            changes = _field_changes(fields, old, new, names)
            if changes:
                diffs.append(PartDiff("changed", _part_name(kind, new), changes))
    return diffs


def compare(older, newer):
    names = _Names()
    return Comparison(
        older=older,
        newer=newer,
        article=_field_changes(ARTICLE_FIELDS, older.article, newer.article, names),
        sections=_parts(
            "section",
            SECTION_FIELDS,
            dict(older.ordered_sections()),
            dict(newer.ordered_sections()),
            names,
        ),
        citations=_parts("citation", CITATION_FIELDS, older.citations, newer.citations, names),
    )


# --- conflicts ---------------------------------------------------------------------------


@dataclass
class Conflict:
    message: str
    comparison: Comparison | None = None
    savers: list = field(default_factory=list)
    merge: object = None  # services.merge.Merged: theirs and yours, merged for the form


def describe_conflict(article, opened):
    """Why a form opened at version ``opened`` may not be saved: who saved since, and what
    they changed (their version against the one the form was opened on)."""
    if opened is None:
        return Conflict(
            "This form has no version marker (it may come from an old page), so it could "
            "overwrite a colleague's work. Nothing was saved: reload the article and make "
            "your change again."
        )
    versions = list(versions_of(article))
    later = [v for v in versions if (v.field_dict.get("version") or 0) > opened]
    base = next((v for v in versions if v.field_dict.get("version") == opened), None)
    names = []
    for version in reversed(later):
        user = version.revision.user
        name = (user.get_full_name() or user.get_username()) if user else "someone"
        when = f"{version.revision.date_created:%H:%M on %d %b}"
        if (name, when) not in names:
            names.append((name, when))
    who = "; ".join(f"{name} at {when}" for name, when in names) or "someone"
    comparison = None
    if base is not None and later:
        comparison = compare(snapshot(base), snapshot(later[0]))
    what = ""
    if comparison:
        what = " They changed: " + ", ".join(comparison.summary()) + "."
    return Conflict(
        f"This article was saved by {who} after you opened it.{what} Your changes have not "
        "been saved and nothing was overwritten: their version is shown above the form, "
        "yours is still in the form. Copy what you need, reload the article and apply your "
        "changes to the latest version.",
        comparison=comparison,
        savers=names,
    )
