"""The leak check: does an article show anything above the level of the place showing it?

Every place an article shows has a level: the title, dek, slug, safe headings and the
hero image are shown to everyone (level 0); a section's heading and body are shown at
the section's level (text inside an inline ``||spoiler||`` at least at Setup); an
image's alt text, caption and credit at the image's level. What the article shares with
other pages is read too: the work's title, platform, people and cast and a cited
source's title, author and publisher are shown to everyone; a citation's locator and
quotation at the level of the places citing it. Moderators keep spoiler terms,
each allowed from a level (``SpoilerTerm``). A term found in a place below its level is
a leak, and so is an image shown in a place below its own level (a spoiler hero, a
spoiler still pasted into a lower section). Leaks block publishing, unless a
moderator overrides the check with a reason.

A term is found however it is written (``leak_language``): in any inflected form, with
its words moved or apart, in the passive, as a noun, with a character's other names, or
with another word of the same word family (``WordFamily``, kept by moderators). The
exact wording stays a match of its own, so what matched before still does; a reworded
match names the words it was found as.

Separately, sentences that look like they give something away ("in the end", "turns
out", a character's name next to "dies"…) in the title, the dek and the article's lower
sections are offered as suggestions: worth a second look, never blocking. So is a lower
place (the title, the dek, a safe heading, a lower section) that says again what one of
the article's own higher sections says of a character (a name with an event word: "Charlotte
… poisons"), even where no moderator has entered a term for it.

``check_article`` works on plain data (what an admin form submitted, or what is saved),
so the same check runs before anything is written. ``check_saved_article`` loads a
saved article and its work's terms and characters and runs it.
"""

import bisect
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .leak_language import (
    FUNCTION_WORDS,
    MODIFIERS,
    Lexicon,
    Matcher,
    Names,
    fold,
)
from .models import Credit, Image, SpoilerTerm, WordFamily
from .models.images import stored_addresses
from .permissions import can_override
from .rendering.citations import CITATION_MARKER_RE

SNIPPET_CHARS = 60

# Words of a phrase may be separated in the text by any whitespace, and by the Markdown
# that can sit between words (emphasis, inline spoiler bars, code ticks) or a slug's
# hyphens: "cuts off *her* hand" and "cuts-off-her-hand" both match "cuts off her hand".
_SEPARATOR = r"[\s*_~|`\-]+"
# Word boundaries that treat "_" as punctuation (Markdown emphasis), unlike ``\b``.
_START = r"(?<![^\W_])"
_END = r"(?![^\W_])"


# Text inside an inline spoiler, on one paragraph (an unclosed one is refused elsewhere).
_INLINE_SPOILER_RE = re.compile(r"\|\|(?:(?!\n\s*\n).)+?\|\|", re.S)
# A sentence: up to and including its closing punctuation (and closing quotes), or
# to the end of the line.
_SENTENCE_RE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’)\]]*|$)", re.M)
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

CUE_PHRASES = (
    "in the end",
    "turns out",
    "turned out",
    "is revealed",
    "was revealed",
    "dies",
    "died",
    "final scene",
    "last scene",
    "twist",
    "twists",
    "killed",
)
# Cues that name what an explainer is about rather than give it away ("the twist,
# explained"): not suggested in a title or dek.
TOPIC_CUES = frozenset({"twist", "twists", "final scene", "last scene", "in the end"})
DEATH_OR_REVEAL_VERBS = (
    "dies",
    "died",
    "dead",
    "kills",
    "killed",
    "murders",
    "murdered",
    "reveals",
    "revealed",
    "turns out",
    "turned out",
)
# How many words may stand between a character's name and a death or reveal verb.
NAME_VERB_GAP = 3
# Leading words of a character name that are not a first name: "The Stranger".
_NOT_FIRST_NAMES = {"the", "a", "an", "mr", "mrs", "ms", "miss", "dr", "young", "old", "little"}


# --- matching --------------------------------------------------------------------------


# Every term is looked for in the same few texts: fold each once.
_fold_cached = lru_cache(maxsize=64)(fold)


@lru_cache(maxsize=2048)
def phrase_pattern(phrases):
    """One compiled pattern for a tuple of phrases: whole words, any spacing between."""
    alternatives = []
    for phrase in phrases:
        words = fold(phrase)[0].split()
        if words:
            alternatives.append(_SEPARATOR.join(re.escape(word) for word in words))
    if not alternatives:
        return None
    return re.compile(f"{_START}(?:{'|'.join(alternatives)}){_END}")


@lru_cache(maxsize=2048)
def _phrase_words(phrases):
    return [fold(phrase)[0].split() for phrase in phrases]


def find_phrases(phrases, text):
    """Where any of ``phrases`` occurs in ``text``: a list of (start, end) in ``text``."""
    phrases = tuple(phrases)
    pattern = phrase_pattern(phrases)
    if pattern is None or not text:
        return []
    folded, origin = _fold_cached(text)
    # A phrase some word of which is nowhere in the text cannot match: most cannot.
    if not any(words and all(word in folded for word in words) for words in _phrase_words(phrases)):
        return []
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(folded)]


def snippet(text, start, end, width=SNIPPET_CHARS):
    """About ``width`` characters of ``text`` around ``text[start:end]``, cut at spaces,
    with "…" where it was cut and whitespace collapsed."""
    pad = max((width - (end - start)) // 2, 12)
    # Room not needed on one side goes to the other.
    left, right = start - pad - max(0, end + pad - len(text)), end + pad + max(0, pad - start)
    left, right = max(0, left), min(len(text), right)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    body = " ".join(text[left:right].split())
    return f"{'…' if left > 0 else ''}{body}{'…' if right < len(text) else ''}"


@dataclass(frozen=True)
class Term:
    """A spoiler phrase (with its variants) and the level from which it may appear.

    ``level`` is anything with ``rank`` and ``name``, usually a ``SpoilerLevel``.
    ``names`` are the characters of the work it is checked for, each a tuple of the
    names it is credited by (the role, then the actor), so that a term naming one
    matches the others ("Lizzie", "Elizabeth Wells", "Wells").
    """

    phrase: str
    level: object
    variants: tuple = ()
    names: tuple = ()

    @classmethod
    def from_model(cls, term, names=()):
        return cls(
            term.phrase.strip(), term.spoiler_level, tuple(term.variant_list()), tuple(names)
        )

    @property
    def rank(self):
        return self.level.rank

    @property
    def phrases(self):
        return (self.phrase, *self.variants)

    def find(self, text):
        """Where the phrase or a variant is written word for word (the exact match)."""
        return find_phrases(self.phrases, text)


def terms_for_work(work):
    """The work's own spoiler terms and the global ones, as ``Term``s."""
    names = name_groups_for_work(work)
    return [Term.from_model(term, names) for term in SpoilerTerm.objects.for_work(work)]


def name_groups_for_work(work):
    """The work's characters, each as (character name, actor's name)."""
    if work is None:
        return ()
    credits = Credit.objects.filter(work=work, role=Credit.Role.CAST).exclude(character_name="")
    return tuple(credits.values_list("character_name", "person__name"))


def word_families():
    """Every word family, as (id, its words and phrases): what the matching reads."""
    rows = WordFamily.objects.order_by("pk").values_list("pk", "words")
    return tuple((pk, tuple(WordFamily(words=words).word_list())) for pk, words in rows)


@lru_cache(maxsize=8)
def _matcher(families, names):
    return Matcher(Lexicon.build(families), Names.build(names))


def matcher_for(terms=(), characters=(), families=None):
    """The ``Matcher`` for a check: the word families (read from the database unless
    given) and the names of the characters the terms and ``characters`` know."""
    if families is None:
        families = word_families()
    groups = [group for term in terms for group in term.names]
    groups += [(name,) for name in characters if name]
    return _matcher(tuple(families), tuple(dict.fromkeys(groups)))


def character_names(credit_names):
    """Names to watch for: each character's full name and its first name."""
    names = []
    for full in credit_names:
        words = full.split()
        if not words:
            continue
        names.append(full.strip())
        first = words[0].strip(".,")
        if len(words) > 1 and len(first) > 1 and fold(first)[0] not in _NOT_FIRST_NAMES:
            names.append(first)
    return list(dict.fromkeys(names))


def characters_for_work(work):
    if work is None:
        return []
    credits = Credit.objects.filter(work=work, role=Credit.Role.CAST).exclude(character_name="")
    return character_names(credits.values_list("character_name", flat=True))


# --- what the check reports ------------------------------------------------------------


def _a(word):
    """ "a Twist", "an Ending"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


class LeakKind:
    TERM = "term"  # a spoiler term in a place shown below its level
    IMAGE_TEXT = "image text"  # a term in an image's alt text or caption, above its level
    SPOILER_HERO = "spoiler hero"  # a spoiler image used as the hero image
    SPOILER_IMAGE = "spoiler image"  # an image shown in a place below its level
    SHARED_TEXT = "shared text"  # a term in a shared object's text (a source, a note, a work)


@dataclass(frozen=True)
class Leak:
    """Something shown below its level, and where.

    ``place`` is "" for the article's own fields (title, dek, slug), else e.g.
    "section 2", "the hero image", "the image in section 3"; ``field`` names the text
    ("safe heading", "alt text"…); ``level`` is the level of what leaked (the term's, or
    the hero image's); ``place_level`` the level of the place it leaked into.
    """

    kind: str
    field: str
    place: str
    snippet: str
    term: str
    level: object
    place_level: object = None
    # The words the term was found as, when not written as the term or a variant.
    matched: str = ""

    @property
    def where(self):
        if not self.place:
            return f"the {self.field}"
        if self.kind in (LeakKind.IMAGE_TEXT, LeakKind.SHARED_TEXT):
            return f"the {self.field} of {self.place}"
        return f"{self.place} {self.field}".strip()

    @property
    def message(self):
        if self.kind == LeakKind.SPOILER_HERO:
            return (
                f"Leak in the hero image: it is marked {self.level.name}, but the hero "
                "image is shown before any reveal and in link previews. Pick a level-0 image"
            )
        if self.kind == LeakKind.SPOILER_IMAGE:
            return (
                f"Leak in {self.where}: an image marked {self.level.name} (“{self.snippet}”) "
                f"is shown in a place of a lower level ({self.place_level.name}). Readers "
                "get it folded until they reveal its level; raise the place's level or "
                "pick another image"
            )
        if self.matched:
            message = (
                f"Leak in {self.where}: “{self.snippet}” — matches the term “{self.term}” "
                f"({self.level.name}) as “{self.matched}”"
            )
        else:
            message = (
                f"Leak in {self.where}: “{self.snippet}” — the term “{self.term}” is "
                f"{_a(self.level.name)} spoiler"
            )
        if self.place_level is not None and self.place_level.rank > 0:
            whose = {LeakKind.IMAGE_TEXT: "the image's", LeakKind.SHARED_TEXT: "the note's"}.get(
                self.kind, "the section's"
            )
            message += f", above {whose} level ({self.place_level.name})"
        return message

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Suggestion:
    """A sentence that may give something away: worth a look, never blocking."""

    field: str
    place: str
    snippet: str
    cues: tuple

    @property
    def message(self):
        cues = ", ".join(self.cues)
        where = f"{self.place} {self.field}" if self.place else f"the {self.field}"
        advice = "move it to a higher level or reword it" if self.place else "reword it"
        return (
            f"Possible spoiler in {where}: “{self.snippet}” ({cues}). "
            f"If it gives something away, {advice}."
        )

    def __str__(self):
        return self.message


@dataclass
class LeakReport:
    leaks: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)
    # Not leaks but gaps no override can wave through: an image shown without the alt
    # text or credit every image needs (messages).
    problems: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.leaks)

    @property
    def messages(self):
        return [leak.message for leak in self.leaks]


# --- the check -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    rank: int
    name: str


def _get(item, name, default=None):
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG_RE = re.compile(r"<[^>]*>")
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")


# Put where a tag or code stood between two characters: invisible to matching (``fold``
# drops format characters, so "ha<b></b>nd" still reads "hand"), but it keeps two bars
# apart, as the renderer does: "|<b>|</b>" and "`||`" are no inline spoiler on the page.
_APART = "\u2060"
_CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)|^(?:```|~~~).*?^(?:```|~~~)", re.S | re.M)


def _bars_apart(match):
    return match.group().replace("|", "|" + _APART)


def reader_text(markdown):
    """A body as a reader reads it, for matching: links reduced to their text, HTML tags
    and comments removed, entities decoded ("ha<!-- -->nd", "h&#97;nd" read "hand").
    The ``||`` of inline spoilers stay, so what they hide is still known; bars the
    renderer does not pair (in code, split by a tag) are kept apart."""
    text = _COMMENT_RE.sub("", markdown or "")
    text = _CODE_SPAN_RE.sub(_bars_apart, text)
    text = _LINK_RE.sub(_link_text, text)
    return html.unescape(_TAG_RE.sub(_tag_text, text))


# Attributes a reader perceives: a tooltip, what a screen reader says, the alt text a
# browser paints when the image does not load.
_SHOWN_ATTRIBUTE_RE = re.compile(
    r"""\s(?:title|alt|aria-label)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I
)
_LINK_TITLE_RE = re.compile(r"""\s+(?:"([^"]*)"|'([^']*)'|\(([^)]*)\))\s*$""")


def _link_text(match):
    title = _LINK_TITLE_RE.search(match.group(2))
    if title is None:
        return match.group(1)
    return f"{match.group(1)} {next(part for part in title.groups() if part is not None)}"


def _tag_text(match):
    shown = [
        next((p for p in found if p), "") for found in _SHOWN_ATTRIBUTE_RE.findall(match.group())
    ]
    shown = [text for text in shown if text]
    return _APART + (" " + " ".join(shown) + " " if shown else "") + _APART


def _inline_spoilers(text):
    return [match.span() for match in _INLINE_SPOILER_RE.finditer(text or "")]


def _inside(spans, start, end):
    return any(left <= start and end <= right for left, right in spans)


class _Checker:
    def __init__(self, terms, characters=()):
        # Most revealing first, then the longest phrase, so that where "hand" sits
        # inside "cuts off her hand" only the longer term is reported.
        self.terms = sorted(terms, key=lambda term: (-term.rank, -len(term.phrase)))
        self.matcher = matcher_for(self.terms, characters) if self.terms else None
        for term in self.terms:
            self.matcher.patterns(term.phrases)  # all the words to look for, before reading
        self.leaks = []
        self._seen = set()
        self._spans = {}

    def text(self, text, *, place, field, level, kind=LeakKind.TERM, inline_spoilers=False):
        """Report each term above ``level`` found in ``text`` (once per place and field).

        With ``inline_spoilers``, text inside ``||…||`` counts as at least level 1.
        """
        if not text:
            return
        spans = _inline_spoilers(text) if inline_spoilers else []
        reported = self._spans.setdefault((place, field, text), [])
        for term in self.terms:
            if term.rank <= level.rank:
                continue
            for start, end, matched in self._found(term, text):
                # An inline spoiler is hidden until clicked: at least a Setup spoiler.
                if _inside(spans, start, end) and term.rank <= max(level.rank, 1):
                    continue
                if _inside(reported, start, end):
                    continue  # part of a term already reported here
                key = (place, field, term.phrase)
                if key not in self._seen:
                    self._seen.add(key)
                    reported.append((start, end))
                    self.leaks.append(
                        Leak(
                            kind=kind,
                            field=field,
                            place=place,
                            snippet=snippet(text, start, end),
                            term=term.phrase,
                            level=term.level,
                            place_level=level,
                            matched=matched,
                        )
                    )
                break

    def _found(self, term, text):
        """(start, end, matched) of the term in ``text``: written word for word first
        (``matched`` empty), then reworded (``matched``: the words as written)."""
        exact = term.find(text)
        yield from ((start, end, "") for start, end in exact)
        for match in self.matcher.find(term.phrases, text):
            if any(start <= match.start and match.end <= end for start, end in exact):
                continue
            yield match.start, match.end, " ".join(text[match.start : match.end].split())

    def image(self, image, *, place, shown_at):
        """An image's alt text, caption and credit, at the lower of its level and its
        place's."""
        if image is None:
            return
        level = image.spoiler_level
        if shown_at is not None and shown_at.rank < level.rank:
            level = shown_at
        for attribute, label in (
            ("alt_text", "alt text"),
            ("caption", "caption"),
            ("credit", "credit"),
        ):
            self.text(
                getattr(image, attribute, ""),
                place=place,
                field=label,
                level=level,
                kind=LeakKind.IMAGE_TEXT,
            )


def check_article(
    *,
    title="",
    dek="",
    slug="",
    hero_image=None,
    sections=(),
    terms=(),
    characters=(),
    work=None,
    citations=(),
):
    """Check an article's places against spoiler ``terms``; suggest suspicious sentences.

    ``sections`` are in reading order (numbered from 1, as the admin numbers them):
    ``Section`` objects or dicts with ``spoiler_level``, ``heading``, ``safe_heading``,
    ``body`` and ``image``, e.g. a section form's ``cleaned_data``. Images are ``Image``
    objects (or alike: ``spoiler_level``, ``alt_text``, ``caption``, ``credit``).
    ``terms`` are ``Term``s, ``characters`` names to watch next to death or reveal verbs.

    The shared objects the page shows are checked too: the ``work`` (a ``SharedWork``:
    its title, platform, poster, people and cast, shown to everyone) and the
    ``citations`` (``Citation`` objects or dicts with ``key``, ``source``, ``locator``,
    ``quotation``): a cited source's title, author and publisher are shown to everyone,
    a citation's locator and quotation at the level of the places citing it.
    """
    sections = list(sections)
    checker = _Checker(terms, characters)
    safe = _Level(0, "spoiler-free")

    for name, value in (("title", title), ("dek", dek), ("slug", slug)):
        checker.text(value, place="", field=name, level=safe)
    if work is not None:
        _check_work(checker, work, safe)

    if hero_image is not None:
        if hero_image.spoiler_level.rank > 0:
            checker.leaks.append(
                Leak(
                    kind=LeakKind.SPOILER_HERO,
                    field="",
                    place="the hero image",
                    snippet=hero_image.alt_text,
                    term="",
                    level=hero_image.spoiler_level,
                    place_level=safe,
                )
            )
        checker.image(hero_image, place="the hero image", shown_at=safe)

    problems = []
    if hero_image is not None:
        problems += _missing_details(hero_image, "The hero image")

    bodies = [_get(section, "body", "") or "" for section in sections]
    # Every address of a stored image in the bodies (its original's or a rendition's, as
    # the storage serves them), exactly as written: what the renderer recognises.
    found = Image.objects.select_related("spoiler_level").by_address_in(*bodies)

    for position, section in enumerate(sections, start=1):
        level = _get(section, "spoiler_level")
        if level is None:
            continue
        place = f"section {position}"
        name = f"Section {position} (“{_get(section, 'heading', '') or 'untitled'}”)"
        written = {}  # image -> the addresses this body shows it by
        for address, _ in stored_addresses(bodies[position - 1]):
            if address in found:
                written.setdefault(found[address], []).append(address)
        in_body = list(written)
        shown = [_get(section, "image"), *in_body]
        for image in dict.fromkeys(image for image in shown if image is not None):
            problems += _missing_details(image, name)
        _spoiler_image(checker, _get(section, "image"), place=place, field="image", level=level)
        for image in in_body:
            shown_at = _body_image_level(bodies[position - 1], written[image], level)
            _spoiler_image(checker, image, place=place, field="body", level=shown_at)
        for image in in_body:
            # An image in the body is shown at the section's level (or its own, if lower).
            checker.image(image, place=f"an image in {place}", shown_at=level)
        if level.rank > 0:
            # Shown while the section is collapsed, and in the article's map.
            checker.text(
                _get(section, "safe_heading", ""), place=place, field="safe heading", level=safe
            )
        checker.text(_get(section, "heading", ""), place=place, field="heading", level=level)
        checker.text(
            reader_text(_get(section, "body", "")),
            place=place,
            field="body",
            level=level,
            inline_spoilers=True,
        )
        checker.image(_get(section, "image"), place=f"the image in {place}", shown_at=level)

    _check_citations(checker, citations, sections, safe)

    return LeakReport(
        leaks=checker.leaks,
        suggestions=_suggestions_on_safe_fields(title, dek, characters)
        + _suggestions(sections, characters)
        + _echo_suggestions(title, dek, sections, characters, checker.matcher),
        problems=list(dict.fromkeys(problems)),
    )


@dataclass(frozen=True)
class SharedWork:
    """What every page about a work shows of it: the kicker, the work box, the work
    page, JSON-LD, feeds and listings. ``people`` are the credited names, ``cast`` the
    characters they play, ``parts`` the labels of its chapters or episodes (the shield's
    choices on every article page); the ``synopsis`` is on the work page."""

    title: str = ""
    platform: str = ""
    poster: object = None
    people: tuple = ()
    cast: tuple = ()
    parts: tuple = ()
    synopsis: str = ""

    @classmethod
    def of(cls, work):
        if work is None:
            return None
        credits = Credit.objects.filter(work=work).select_related("person")
        credits = list(credits.only("character_name", "person__name"))
        poster = work.poster if work.poster_id else None
        return cls(
            title=work.title,
            platform=work.platform,
            poster=poster,
            people=tuple(dict.fromkeys(credit.person.name for credit in credits)),
            cast=tuple(dict.fromkeys(c.character_name for c in credits if c.character_name)),
            parts=tuple(work.parts.order_by("position").values_list("label", flat=True)),
            synopsis=work.synopsis,
        )


def _check_work(checker, work, safe):
    place = "the work"
    checker.text(work.title, place=place, field="title", level=safe, kind=LeakKind.SHARED_TEXT)
    checker.text(
        work.platform, place=place, field="platform", level=safe, kind=LeakKind.SHARED_TEXT
    )
    for name in work.people:
        checker.text(name, place=place, field="credits", level=safe, kind=LeakKind.SHARED_TEXT)
    for name in work.cast:
        checker.text(name, place=place, field="cast", level=safe, kind=LeakKind.SHARED_TEXT)
    for label in work.parts:
        checker.text(label, place=place, field="part label", level=safe, kind=LeakKind.SHARED_TEXT)
    checker.text(
        reader_text(work.synopsis),
        place=place,
        field="synopsis",
        level=safe,
        kind=LeakKind.SHARED_TEXT,
    )
    checker.image(work.poster, place="the work's poster", shown_at=safe)


def _citing_ranks(sections):
    """Citation key -> the highest level of the places citing it (an inline spoiler
    counts as at least Setup), as the notes are folded."""
    ranks = {}
    for section in sections:
        level = _get(section, "spoiler_level")
        if level is None:
            continue
        # As the renderer reads it: no citation in a comment or in code, and no inline
        # spoiler made of bars in code.
        body = _CODE_SPAN_RE.sub("", _COMMENT_RE.sub("", _get(section, "body", "") or ""))
        spoilers = _inline_spoilers(body)
        for match in CITATION_MARKER_RE.finditer(body):
            rank = level.rank
            if _inside(spoilers, match.start(), match.end()):
                rank = max(rank, 1)
            key = match.group(1)
            ranks[key] = max(rank, ranks.get(key, 0))
    return ranks


def _check_citations(checker, citations, sections, safe):
    ranks = _citing_ranks(sections)
    names = {}
    for section in sections:
        level = _get(section, "spoiler_level")
        if level is not None:
            names.setdefault(level.rank, level)
    for citation in citations:
        key = _get(citation, "key")
        if not key or key not in ranks:
            continue  # not cited: not shown
        rank = ranks[key]
        level = names.get(rank) or _Level(rank, f"level {rank}")
        place = f"citation [@{key}]"
        for attribute in ("locator", "quotation"):
            checker.text(
                _get(citation, attribute, ""),
                place=place,
                field=attribute,
                level=level,
                kind=LeakKind.SHARED_TEXT,
            )
        source = _get(citation, "source")
        for attribute in ("title", "author", "publisher"):
            checker.text(
                _get(source, attribute, "") if source is not None else "",
                place=f"the source cited as [@{key}]",
                field=attribute,
                level=safe,
                kind=LeakKind.SHARED_TEXT,
            )


def _body_image_level(body, names, level):
    """The level an image is shown at in ``body``: its section's, or at least Setup
    when every mention of it is inside an inline spoiler."""
    if level.rank > 0:
        return level
    spans = _inline_spoilers(body)
    for name in names:
        start = body.find(name)
        while start != -1:
            if not _inside(spans, start, start + len(name)):
                return level
            start = body.find(name, start + 1)
    return _Level(1, "an inline spoiler")


def _spoiler_image(checker, image, *, place, field, level):
    """An image of a higher level than the place showing it is a leak."""
    if image is None or image.spoiler_level.rank <= level.rank:
        return
    checker.leaks.append(
        Leak(
            kind=LeakKind.SPOILER_IMAGE,
            field=field,
            place=place,
            snippet=image.alt_text or image.file.name,
            term="",
            level=image.spoiler_level,
            place_level=level,
        )
    )


def _missing_details(image, where):
    missing = image.missing_details() if hasattr(image, "missing_details") else []
    if not missing:
        return []
    them = "them" if len(missing) > 1 else "it"
    return [
        f"{where} shows an image ({image.file.name}) with no {' and no '.join(missing)}. "
        f"Every image needs alt text and a credit: add {them} on the image's page "
        "under Images, then publish."
    ]


def check_saved_article(article):
    """The leak check on an article as saved, with its work's terms and characters."""
    sections = article.sections.select_related("spoiler_level", "image__spoiler_level")
    hero = article.hero_image
    return check_article(
        title=article.title,
        dek=article.dek,
        slug=article.slug,
        hero_image=hero,
        sections=sections.order_by("order", "id"),
        terms=terms_for_work(article.work),
        characters=characters_for_work(article.work),
        work=SharedWork.of(article.work),
        citations=article.citations.select_related("source"),
    )


# --- suggestions -----------------------------------------------------------------------


def _word_index(word_starts, position):
    return bisect.bisect_right(word_starts, position) - 1


def _name_near_verb(sentence, offset, characters, found):
    """(start, end, verb) of a character's name standing within a few words of a death
    or reveal verb in ``sentence`` (at ``offset`` in the text ``found`` read), or None."""
    if not characters:
        return None
    verbs = [(verb, found.within(verb, sentence, offset)) for verb in DEATH_OR_REVEAL_VERBS]
    if not any(spans for _, spans in verbs):
        return None
    word_starts = [match.start() for match in _WORD_RE.finditer(sentence)]
    verbs = [
        (verb, _word_index(word_starts, start), _word_index(word_starts, end - 1))
        for verb, spans in verbs
        for start, end in spans
    ]
    for name in characters:
        for start, end in found.within(name, sentence, offset):
            first, last = _word_index(word_starts, start), _word_index(word_starts, end - 1)
            for verb, verb_first, verb_last in verbs:
                gap = verb_first - last - 1 if verb_first > last else first - verb_last - 1
                if 0 <= gap <= NAME_VERB_GAP:
                    return start, end, verb
    return None


class _Phrases:
    """Where each phrase occurs in a text, found once over the whole text and handed
    out sentence by sentence (one search a phrase, not one a sentence)."""

    def __init__(self, text):
        self.text = text
        self.folded = _fold_cached(text)[0]
        self._spans = {}

    def within(self, phrase, sentence, offset):
        """The phrase's spans inside ``sentence`` (at ``offset``), relative to it."""
        spans = self._spans.get(phrase)
        if spans is None:
            words = fold(phrase)[0].split()
            # Most phrases are not in most texts: a substring test says so quickly.
            present = words and all(word in self.folded for word in words)
            spans = find_phrases((phrase,), self.text) if present else []
            self._spans[phrase] = spans
        if not spans:
            return []
        end = offset + len(sentence)
        return [(s - offset, e - offset) for s, e in spans if offset <= s and e <= end]


def _sentence_cues(text, characters, cue_phrases=CUE_PHRASES):
    """For each suspicious sentence of ``text`` (cues inside inline spoilers do not
    count): (snippet, cues), the snippet taken from the sentence around its first cue."""
    spoilers = _inline_spoilers(text)
    found = []
    phrases = _Phrases(text)
    for sentence in _SENTENCE_RE.finditer(text):
        offset, words = sentence.start(), sentence.group()
        cues, first = [], None
        for cue in cue_phrases:
            for start, end in phrases.within(cue, words, offset):
                if not _inside(spoilers, offset + start, offset + end):
                    cues.append(f"“{cue}”")
                    first = first or (start, end)
                    break
        near = _name_near_verb(words, offset, characters, phrases)
        if near is not None:
            start, end, verb = near
            if not _inside(spoilers, offset + start, offset + end):
                cues.append(f"“{words[start:end]}” next to “{verb}”")
                first = first or (start, end)
        if cues:
            found.append((snippet(words.strip(), *_shift(words, first)), tuple(cues)))
    return found


def _shift(words, span):
    """``span`` in ``words`` as a span in ``words.strip()``."""
    lead = len(words) - len(words.lstrip())
    return span[0] - lead, span[1] - lead


def _suggestions_on_safe_fields(title, dek, characters):
    """Suspicious sentences in the title and dek, shown to everyone: cues that give
    something away ("turns out", a name next to "dies"), not those naming what the
    article is about ("the twist, explained")."""
    cues = tuple(cue for cue in CUE_PHRASES if cue not in TOPIC_CUES)
    suggestions = []
    for field_name, text in (("title", title), ("dek", dek)):
        for quoted, found in _sentence_cues(text or "", characters, cues):
            suggestions.append(Suggestion(field=field_name, place="", snippet=quoted, cues=found))
    return suggestions


def _suggestions(sections, characters):
    """Suspicious sentences in the sections below the article's top level (in every
    section when the article has no spoiler sections at all)."""
    ranks = [
        _get(section, "spoiler_level").rank
        for section in sections
        if _get(section, "spoiler_level")
    ]
    ceiling = max(max(ranks, default=0), 1)
    suggestions = []
    for position, section in enumerate(sections, start=1):
        level = _get(section, "spoiler_level")
        if level is None or level.rank >= ceiling:
            continue
        for field_name in ("heading", "body"):
            text = _get(section, field_name, "") or ""
            for quoted, cues in _sentence_cues(text, characters):
                suggestions.append(
                    Suggestion(
                        field=field_name, place=f"section {position}", snippet=quoted, cues=cues
                    )
                )
    return suggestions


# --- what the article's own higher sections say -------------------------------------------

# At most this many content words between a character's name and the event word said
# of them.
ECHO_GAP = 5
_NOT_EVENTS = FUNCTION_WORDS | MODIFIERS
# Event words besides the word families' (deaths and reveals), as word keys.
_EVENT_WORDS = tuple(verb for verb in DEATH_OR_REVEAL_VERBS if " " not in verb)


@lru_cache(maxsize=1)
def _built_in_event_keys():
    from .leak_language import word_key

    return frozenset(word_key(word) for word in _EVENT_WORDS)


@dataclass(frozen=True)
class _Fact:
    """A character's name and an event word standing together in one clause of a text:
    the smallest phrase that gives a story away ("Charlotte poisons", "Lizzie's death")."""

    character: str  # the name key ("c:charlotte willmore")
    events: frozenset  # the event word's keys: its word key and its families
    start: int
    end: int
    name: str  # as written
    event: str


def _event_keys(token, lexicon):
    families = lexicon.families_of(token.key) if lexicon is not None else frozenset()
    if not families and token.key not in _built_in_event_keys():
        return frozenset()
    return frozenset({f"w:{token.key}", *(f"f:{family}" for family in families)})


def _owned_by_another(tokens, index):
    """Whether the event word at ``index`` belongs to someone not named as a character:
    "her mother's death" says nothing of the character near it."""
    before = index - 1
    while before >= 0 and tokens[before].word in MODIFIERS:
        before -= 1
    return before >= 0 and tokens[before].possessive and not tokens[before].keys


@dataclass(frozen=True)
class _Reading:
    """What a text says of the characters: its facts (a name and an event word near it
    in one clause, outside inline spoilers) and, read more loosely (anywhere in one
    sentence), the (character, event key) pairs it says openly, so that less passes for
    a secret."""

    facts: tuple = ()
    pairs: frozenset = frozenset()


def _name_words(names):
    """Every word of the characters' names: a text without one of them names nobody
    and is not read further."""
    words = set(names.single)
    for entries in names.multi.values():
        words |= {word for alias, _ in entries for word in alias}
    return frozenset(words)


def _read_echoes(text, matcher, name_words):
    if not text:
        return _Reading()
    folded = _fold_cached(text)[0]
    if not any(word in folded for word in name_words):
        return _Reading()
    lexicon = matcher.lexicon
    tokens, _ = matcher.read(text)  # as the term matching reads it: read once, kept
    named = [(i, token) for i, token in enumerate(tokens) if token.keys and not token.name_tail]
    if not named:
        return _Reading()
    events = []
    for i, token in enumerate(tokens):
        if token.keys or token.name_tail or token.idiom or token.word in _NOT_EVENTS:
            continue
        keys = _event_keys(token, lexicon)
        if keys:
            events.append((i, token, keys))
    if not events:
        return _Reading()
    sentence_starts = [match.start() for match in _SENTENCE_RE.finditer(text)]

    def sentence(token):
        return bisect.bisect_right(sentence_starts, token.start)

    pairs = {
        (character, key)
        for _, name in named
        for _, event, keys in events
        if sentence(name) == sentence(event)
        for character in name.keys
        for key in keys
    }
    spoilers = _inline_spoilers(text)
    facts = []
    for i, name in named:
        last = name.name_end if name.name_end is not None else i
        name_end = tokens[last].end
        for j, event, keys in events:
            if event.clause != name.clause or _owned_by_another(tokens, j):
                continue
            between = range(last + 1, j) if j > last else range(j + 1, i)
            # Function words and asides cost nothing: "Harlan (Christopher Plummer), a
            # novelist, is found dead".
            gap = sum(1 for k in between if tokens[k].weight and not tokens[k].aside)
            if gap > ECHO_GAP:
                continue
            start, end = min(name.start, event.start), max(name_end, event.end)
            if _inside(spoilers, start, end):
                continue
            for character in name.keys:
                facts.append(
                    _Fact(
                        character,
                        keys,
                        start,
                        end,
                        " ".join(text[name.start : name_end].split()),
                        text[event.start : event.end],
                    )
                )
    return _Reading(tuple(facts), frozenset(pairs))


def _echo_suggestions(title, dek, sections, characters, matcher=None):
    """A lower place that repeats what a higher section of the same article says of a
    character (the same character with an event word of the same word, or of the same
    word family): a suggestion naming both places, never a block. The title, the dek and
    safe headings are lower than any spoiler section; a section's heading and body are
    lower than every section above its level. What another section says at the lower
    place's level or below ("Harlan is found dead" in the spoiler-free opening) is no
    secret, so repeating it is fine."""
    if not characters:
        return []
    said = []  # (level, position, text) of each section's heading and body
    places = [(0, None, "", "title", title or ""), (0, None, "", "dek", dek or "")]
    for position, section in enumerate(sections, start=1):
        level = _get(section, "spoiler_level")
        if level is None:
            continue
        place = f"section {position}"
        for field_name, text in (
            ("heading", _get(section, "heading", "") or ""),
            ("body", reader_text(_get(section, "body", "") or "")),
        ):
            said.append((level, position, text))
            places.append((level.rank, position, place, field_name, text))
        if level.rank > 0:
            safe_heading = _get(section, "safe_heading", "") or ""
            places.append((0, position, place, "safe heading", safe_heading))
    if not any(level.rank > 0 for level, _, _ in said):
        return []
    if matcher is None:
        matcher = matcher_for((), characters)
    name_words = _name_words(matcher.names)
    readings = {}  # text -> what it says, each text read once

    def read(text):
        if text not in readings:
            readings[text] = _read_echoes(text, matcher, name_words)
        return readings[text]

    told = [(level, position, fact) for level, position, text in said for fact in read(text).facts]
    if not any(level.rank > 0 for level, _, _ in told):
        return []
    together = [(level, position, read(text).pairs) for level, position, text in said]
    suggestions, seen = [], set()
    for rank, own, place, field_name, text in places:
        for fact in read(text).facts:
            alike = [
                (level, position)
                for level, position, source in told
                if source.character == fact.character and source.events & fact.events
            ]
            if any(
                level.rank <= rank and position != own and (fact.character, event) in pairs
                for level, position, pairs in together
                for event in fact.events
            ):
                continue  # said openly elsewhere in the article
            higher = [(level, position) for level, position in alike if level.rank > rank]
            if not higher:
                continue
            level, position = max(higher, key=lambda found: (found[0].rank, -found[1]))
            key = (place, field_name, position)  # once a place and higher section
            if key in seen:
                continue
            seen.add(key)
            source = next(
                source
                for source_level, source_position, source in told
                if source_position == position
                and source.character == fact.character
                and source.events & fact.events
            )
            cue = f"repeats “{source.name} … {source.event}” of section {position} ({level.name})"
            suggestions.append(
                Suggestion(
                    field=field_name,
                    place=place,
                    snippet=snippet(text, fact.start, fact.end),
                    cues=(cue,),
                )
            )
    return suggestions


# --- publishing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """May this save go ahead, given the leaks and who is asking?"""

    refused: bool = False
    overridden: bool = False
    problem: str = ""


def accepted_leaks(article):
    """The leaks a moderator published ``article`` over last time (``judge``'s
    ``accepted``): a later save, a typo fixed, is not refused for them again; a new leak
    still is."""
    if article.pk is None:
        return ()
    latest = article.leak_overrides.order_by("-created_at", "-pk").first()
    return latest.leaks.splitlines() if latest else ()


def judge(report, *, publishing, user, override_reason="", accepted=()):
    """Publishing is refused while a leak stands, unless a user who may override gives
    a reason. Drafts (anything not being published) are never refused. Leaks a moderator
    already accepted (``accepted``: messages of the latest override) no longer stand."""
    if publishing and report.problems:
        count = len(report.problems)
        images = "an image" if count == 1 else f"{count} images"
        return Verdict(
            refused=True,
            problem=f"This article cannot be published: it shows {images} without alt "
            "text or a credit (listed below). Save it as a draft until they are added.",
        )
    standing = [leak for leak in report.leaks if leak.message not in set(accepted)]
    if not standing or not publishing:
        return Verdict()
    count = len(standing)
    leaks, them = ("1 leak", "it") if count == 1 else (f"{count} leaks", "them")
    if not can_override(user):
        return Verdict(
            refused=True,
            problem=f"This article cannot be published: the leak check found {leaks}. Fix "
            f"{them}, or save it as a draft and ask a moderator to review it.",
        )
    if not (override_reason or "").strip():
        return Verdict(
            refused=True,
            problem=f"This article cannot be published: the leak check found {leaks}. Fix "
            f"{them}, or, as a moderator, publish anyway by giving an override reason under "
            "“Leak check”.",
        )
    return Verdict(overridden=True)


def publishing_verdict(article, *, user, override_reason="", report=None, publishing=True):
    """The one verdict on making ``article``'s text public, for every path that can: the
    change form (which passes the report of what was submitted), workflow moves, restores.
    ``report`` defaults to the saved article's; leaks a moderator already accepted no
    longer stand. Returns (report, verdict)."""
    if report is None:
        report = check_saved_article(article)
    verdict = judge(
        report,
        publishing=publishing,
        user=user,
        override_reason=override_reason,
        accepted=accepted_leaks(article),
    )
    return report, verdict


def leaks_in_public_text(text, terms, *, field):
    """Spoiler terms in text every visitor sees (a synopsis, a part label, a source
    title): messages for each, empty when the text is safe."""
    checker = _Checker(terms)
    checker.text(reader_text(text), place="", field=field, level=_Level(0, "spoiler-free"))
    return [leak.message for leak in checker.leaks]
