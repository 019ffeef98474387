"""Merging a stale change with what was saved since it was opened.

A save made on an older version of an article is refused (``save_article``); instead of
leaving the editor to reload and retype, the refusal carries a merge of three sides:
``base``, the revision the form was opened at; ``theirs``, the article as saved now;
``yours``, what the form asked for. What only one side changed is taken from that side;
where both changed the same field (or one deleted a section the other changed) and
disagree, the merge keeps yours for now and lists a ``Clash`` for the editor to choose.
The screen shows the merged form with opened_version set to theirs, so the next save is
an ordinary one.

``merge`` is pure: plain dictionaries in, plain data out. ``for_stale_change`` reads the
two revisions and the change.
"""

from dataclasses import dataclass, field

ARTICLE_FIELDS = ("title", "slug", "dek", "work_id", "hero_image_id", "authors", "related")
SECTION_FIELDS = (
    "order",
    "heading",
    "safe_heading",
    "spoiler_level_id",
    "body",
    "image_id",
    "reveals_through_id",
    "content_warnings",
)
CITATION_FIELDS = ("key", "source_id", "locator", "quotation")
MANY = ("authors", "related", "content_warnings")

__all__ = [
    "Side",
    "Row",
    "Clash",
    "Merged",
    "merge",
    "side_of_snapshot",
    "side_of_change",
    "for_stale_change",
    "conflict_message",
]


@dataclass
class Side:
    """One version of an article's content. Sections and citations are keyed by their
    id; a row not saved yet by a key of its own ("new-0")."""

    article: dict
    sections: dict = field(default_factory=dict)
    citations: dict = field(default_factory=dict)


@dataclass
class Row:
    """A section or citation of the merge: ``saved`` when it is still in the article as
    saved now (else it is added by the save), ``deleted`` when the save removes it."""

    key: object
    values: dict
    saved: bool
    deleted: bool = False


@dataclass
class Clash:
    """Both sides changed ``field`` of the article (``part`` "article", ``key`` None) or
    of one row, differently; ``field`` None: one side deleted the row, the other changed
    it (the deleted side's value is None)."""

    part: str
    key: object
    field: str | None
    base: object
    theirs: object
    yours: object


@dataclass
class Merged:
    article: dict
    sections: list  # of Row, saved ones first
    citations: list
    clashes: list
    theirs_taken: list = field(default_factory=list)  # (part, key, field) taken from theirs
    yours_taken: list = field(default_factory=list)

    def clash_for(self, part, key, name):
        return next(
            (c for c in self.clashes if (c.part, c.key, c.field) == (part, key, name)), None
        )


def _same(a, b):
    """Equal as content: line endings as browsers post them and the order of a set of
    choices do not count."""
    return _norm(a) == _norm(b)


def _norm(value):
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list | tuple | set):
        return sorted(_norm(v) for v in value)
    if value is None:
        return None
    return value


def _fields(part, key, names, base, theirs, yours, merged):
    values = {}
    for name in names:
        b, t, y = base.get(name), theirs.get(name), yours.get(name)
        if name in MANY:
            b, t, y = (sorted(v or []) for v in (b, t, y))
        if _same(y, b) or _same(y, t):
            values[name] = t
            if not _same(t, b):
                merged.theirs_taken.append((part, key, name))
        elif _same(t, b):
            values[name] = y
            merged.yours_taken.append((part, key, name))
        else:
            values[name] = y
            merged.clashes.append(Clash(part, key, name, b, t, y))
    return values


def _rows(part, names, base, theirs, yours, merged):
    saved, added = [], []
    keys = list(theirs) + [k for k in yours if k not in theirs]
    keys += [k for k in base if k not in theirs and k not in yours]
    for key in keys:
        b, t, y = base.get(key), theirs.get(key), yours.get(key)
        if t is not None and y is not None:
            values = _fields(part, key, names, b if b is not None else t, t, y, merged)
            saved.append(Row(key, values, saved=True))
        elif t is not None:  # not in your form
            if b is None:  # they added it
                saved.append(Row(key, dict(t), saved=True))
                merged.theirs_taken.append((part, key, None))
            elif _unchanged(names, b, t):  # you deleted it, they left it alone
                saved.append(Row(key, dict(t), saved=True, deleted=True))
                merged.yours_taken.append((part, key, None))
            else:  # you deleted it, they changed it
                saved.append(Row(key, dict(t), saved=True, deleted=True))
                merged.clashes.append(Clash(part, key, None, b, t, None))
        elif y is not None:
            if b is None:  # yours, new
                added.append(Row(key, dict(y), saved=False))
            elif _unchanged(names, b, y):  # they deleted it, you left it alone
                merged.theirs_taken.append((part, key, None))
            else:  # they deleted it, you changed it: yours comes back as a new row
                added.append(Row(key, dict(y), saved=False))
                merged.clashes.append(Clash(part, key, None, b, None, y))
        # in the base only: both deleted it
    return sorted(saved, key=_reading_order) + sorted(added, key=_reading_order)


def _reading_order(row):
    order = row.values.get("order")
    order = order if isinstance(order, int) else 0
    return (order, 0, row.key, "") if isinstance(row.key, int) else (order, 1, 0, str(row.key))


def _unchanged(names, before, after):
    return all(_same(before.get(n), after.get(n)) for n in names)


def merge(base, theirs, yours):
    """Three ``Side``s in, a ``Merged`` out: each field and row from whichever side
    changed it; where both did and disagree, yours, with a ``Clash``."""
    merged = Merged(article={}, sections=[], citations=[], clashes=[])
    merged.article = _fields(
        "article", None, ARTICLE_FIELDS, base.article, theirs.article, yours.article, merged
    )
    merged.sections = _rows(
        "section", SECTION_FIELDS, base.sections, theirs.sections, yours.sections, merged
    )
    merged.citations = _rows(
        "citation", CITATION_FIELDS, base.citations, theirs.citations, yours.citations, merged
    )
    return merged


# --- reading the sides -------------------------------------------------------------------


def side_of_snapshot(snap):
    """A ``Side`` of a stored revision (``revisions.snapshot``)."""
    return Side(
        article={name: snap.article.get(name) for name in ARTICLE_FIELDS},
        sections={
            pk: {name: values.get(name) for name in SECTION_FIELDS}
            for pk, values in snap.sections.items()
        },
        citations={
            pk: {name: values.get(name) for name in CITATION_FIELDS}
            for pk, values in snap.citations.items()
        },
    )


def _pks(objects):
    return sorted(getattr(obj, "pk", obj) for obj in objects)


def side_of_change(change, theirs):
    """A ``Side`` of what a form asked for (``ArticleChange``). What the change leaves
    as saved (None: a field or inline the screen did not show, warnings not changed
    against the saved row) reads as theirs."""
    a = change.article
    article = {
        "title": a.title,
        "slug": a.slug,
        "dek": a.dek,
        "work_id": a.work_id,
        "hero_image_id": a.hero_image_id,
        "authors": _pks(change.authors)
        if change.authors is not None
        else theirs.article.get("authors"),
        "related": _pks(change.related)
        if change.related is not None
        else theirs.article.get("related"),
    }
    if change.sections is None:
        sections = dict(theirs.sections)
    else:
        sections = {}
        for index, item in enumerate(change.sections):
            s = item.section
            key = s.pk if s.pk is not None else f"new-{index}"
            saved = theirs.sections.get(s.pk, {})
            sections[key] = {
                "order": s.order,
                "heading": s.heading,
                "safe_heading": s.safe_heading,
                "spoiler_level_id": s.spoiler_level_id,
                "body": s.body,
                "image_id": s.image_id,
                "reveals_through_id": s.reveals_through_id,
                "content_warnings": _pks(item.content_warnings)
                if item.content_warnings is not None
                else saved.get("content_warnings", []),
            }
    if change.citations is None:
        citations = dict(theirs.citations)
    else:
        citations = {}
        for index, (c, _) in enumerate(change.citations):
            key = c.pk if c.pk is not None else f"new-{index}"
            citations[key] = {
                "key": c.key,
                "source_id": c.source_id,
                "locator": c.locator,
                "quotation": c.quotation,
            }
    return Side(article=article, sections=sections, citations=citations)


def for_stale_change(change, saved):
    """The merge of a change made on an older version of ``saved`` (the article as it is
    now), or None when the revision it was opened at is not kept."""
    from .. import revisions

    opened = change.opened_version
    if opened is None:
        return None
    versions = list(revisions.versions_of(saved))
    base = next((v for v in versions if v.field_dict.get("version") == opened), None)
    theirs = next((v for v in versions if v.field_dict.get("version") == saved.version), None)
    if base is None or theirs is None:
        return None
    theirs_side = side_of_snapshot(revisions.snapshot(theirs))
    return merge(
        side_of_snapshot(revisions.snapshot(base)),
        theirs_side,
        side_of_change(change, theirs_side),
    )


def conflict_message(conflict):
    """What the editor reads at the top of the merged form."""
    who = "; ".join(f"{name} at {when}" for name, when in conflict.savers) or "someone"
    clashes = len(conflict.merge.clashes)
    if clashes:
        choose = (
            f"{clashes} place{' where you both' if clashes == 1 else 's where you both'} "
            "changed the same thing: pick theirs or yours under “Choose between versions” "
            "(yours is picked for now)"
        )
    else:
        choose = "you did not change the same things, so there is nothing to choose"
    what = ""
    if conflict.comparison:
        what = " They changed: " + ", ".join(conflict.comparison.summary()) + "."
    return (
        f"This article was saved by {who} after you opened it.{what} Your changes were not "
        "saved yet and nothing was overwritten. Their changes and yours are merged in the "
        f"form below; {choose}. Check the form, then save again."
    )
