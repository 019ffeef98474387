"""How the leak check reads a spoiler term the way readers and editors write it.

A term such as "Dana poisons the mayor" is compiled once into *slots*, one for each of
its content words, and a text matches it when every slot is filled by a word of the same
clause, in any order, with few other words between:

- each word is reduced to a key by a lemmatizer (simplemma: *sold* → *sell*, *hid* →
  *hide*) and a Snowball stemmer (PyStemmer: *poisoning* → *poison*, *disappearance* →
  *disappear*), so every inflected and derived form of a word has the same key;
- words of one **word family** (``WordFamily``, kept by moderators: kill, murder, die,
  does not survive…) share a key, and so do the phrasal verbs listed there, whose words
  may stand apart (*sells her partner out*, *cuts her hand off*);
- a character's names share a key: full name, first name, surname, nickname, title and
  surname, and the actor's name (``name_groups_for_work``);
- function words (the, is, by, her…) are not slots and cost nothing between the others,
  so the passive (*the mayor was poisoned by Dana*), possessive and noun forms (*Dana's
  poisoning of the mayor*) and moved particles (*switches the alarm off*) all match.

A term with a doer and a victim, around an event a family knows, also matches a text
that leaves the doer out when the text says the victim underwent the event (*the mayor
is poisoned*, *the mayor's poisoning*, *the poisoning of the mayor*), and one that leaves
the victim out when it names the doer by the event (*Dana is the poisoner*, *the killer
is Ransom*). A sentence opening with such an event says it of the subject after its
comma: *Poisoned by Dana, the mayor collapses*.

Precision comes from the clause: a match never crosses a sentence end, a semicolon or
colon, a lone comma or dash, or the edge of an inline spoiler; at most a few other
content words may stand between the slots (words set off in a pair of commas, dashes or
brackets, "Paloma, who ran the academy, is killed", cost nothing); a name written as
the owner of something else (*Paloma's husband dies*) is not the one the event befalls,
nor is an event owned by someone else (*her mother's death*); and a family word in a set
phrase that means something else (*dying to*, *killing time*) matches nothing.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import NamedTuple

import simplemma
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


def _words(text):
    return text.split()


# Words that carry no meaning of their own for matching: they are never slots of a term
# and cost nothing between the words of a match.
FUNCTION_WORDS = frozenset(
    _words(
        """
    a an the this that these those some any each every all both either neither such
    i me my mine we us our you your he him his she her hers it its they them their theirs
    one ones oneself myself yourself himself herself itself ourselves themselves
    who whom whose which what whoever whatever
    be am is are was were been being get gets got gotten getting have has had having
    do does did done doing will would shall should can could may might must ought
    to of in on at by for with from into onto upon about as than so too very
    after before since until once during within without through across among between
    behind beyond toward towards under above below near
    and or but nor yet if then else when while where whereas because though although
    there here now just also even still already soon later eventually finally ultimately
    actually really indeed only quite rather almost
    character role
    not no never nothing none
    up out off down away over back apart around
    mr mrs ms miss mx dr doctor prof professor sir dame lord lady st
    detective det inspector officer agent sergeant sgt captain capt lieutenant lt
    """
    )
)
# Adverbial particles: a term keeps them as slots ("switches off the alarm" is not
# "switches on the alarm"), but they cost nothing in a text.
PARTICLES = frozenset({"up", "out", "off", "down", "away", "over", "back", "apart"})
NEGATIONS = frozenset({"not", "never", "no"})
# Words that only qualify the noun after them in a term ("her left arm", "the old
# mayor"): dropped there, so the text need not repeat them, and free in a text.
MODIFIERS = frozenset(
    _words(
        """
    own left right old young little poor dear sweet beloved sudden brutal violent
    shocking untimely tragic gruesome grisly horrific apparent mysterious eventual
    whole entire very real true
    """
    )
)
TITLES = frozenset(
    _words(
        """
    mr mrs ms miss mx dr doctor prof professor sir dame lord lady st saint father mother
    sister brother uncle aunt detective det inspector officer agent sergeant sgt captain
    capt lieutenant lt general colonel col major judge mayor senator president king queen
    prince princess
    """
    )
)
# Titles that are no role of their own: "Mr. Park" is Park, "the mister" is nobody.
HONORIFICS = frozenset(
    _words("mr mrs ms miss mx dr prof sir dame lord lady st saint det sgt capt lt col")
)
# Abbreviations whose full stop ends no sentence ("Dr. Hassan").
ABBREVIATIONS = frozenset(
    _words("mr mrs ms mx dr prof st sgt capt lt col gen det insp rev jr sr vs no")
)
# Auxiliaries of the passive: "is poisoned", "gets killed".
PASSIVE_AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "gotten", "getting"}
)
DETERMINERS = frozenset({"the", "a", "an"})
COPULAS = frozenset({"is", "are", "was", "were", "be", "been", "being"})
# Words that open an aside set off by a pair of commas ("Paloma, who ran the academy,
# is killed"): the aside does not split the clause around it.
ASIDE_OPENERS = frozenset(
    _words(
        """
    who whom whose which the a an his her their its our my your once now still already
    after before by with without in at on like as unlike along together despite sadly
    finally eventually ultimately however meanwhile too also
    """
    )
)
# Set phrases in which a word of a family does not mean what the family means ("dying
# to play", "killing time"): there the word matches no term at all.
IDIOMS = (
    "dying to",
    "kill time",
    "killing time",
    "killing it",
    "kill it",
    "dressed to kill",
    "dead set",
    "dead of night",
    "dead end",
    "drop dead",
    "stage fright",
    "on stage",
    "the stage",
    "panic attack",
    "heart attack",
    "kill the mood",
    "killer instinct",
    "to die for",
    "die hard",
    "dead serious",
    "dead tired",
    "dead silent",
    "dead ringer",
    "save time",
    "save money",
    "frame by frame",
    "freeze frame",
    "drown out",
    "drowned out",
    "drowning in",
)
# At most this many content words (besides the match's own) inside a match.
MAX_OTHER_WORDS = 2
MAX_OTHER_WORDS_LONG = 3  # for terms of four slots or more
# At most this many words of any kind between the first and last word of a match,
# beyond the slots themselves.
MAX_SPAN_EXTRA = 10
# A phrase of a word family: at most this many words between two of its words.
PHRASE_GAP = 3
SHORT_ASIDE = 3  # an aside this short (in words) needs no opener: ", sadly,"

_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*'?")
_SENTENCE_END_RE = re.compile(r"[.!?;:…]|\n[ \t]*\n|\n[ \t]*(?:[-*+>#]|\d+[.)])\s")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_DASHES = ("\u2014", "\u2013", " - ", "--")


@lru_cache(maxsize=100_000)
def word_key(word):
    """The key of a (folded) word: its lemma, stemmed. "sold" and "selling" give "sell",
    "poisoning" and "poisoned" give "poison"."""
    if not word.isalpha():
        return word
    lemma = simplemma.lemmatize(word, lang="en").lower()
    return _STEMMER.stemWord(lemma)


def _fold(text):
    """Lowercase, accents dropped, curly apostrophes straightened; with each folded
    character's index in ``text`` (as ``leaks.fold``)."""
    text = (text or "").translate(_APOSTROPHES)
    if text.isascii():
        return text.lower(), range(len(text))
    folded, origin = [], []
    for run in _ASCII_OR_NOT.finditer(text):
        piece, index = run.group(), run.start()
        if piece.isascii():
            folded.append(piece.lower())
            origin.extend(range(index, index + len(piece)))
            continue
        for part in unicodedata.normalize("NFKD", piece):
            if unicodedata.combining(part) or unicodedata.category(part) == "Cf":
                continue
            for out in part.casefold():
                folded.append(out)
                origin.append(index)
    return "".join(folded), origin


_ASCII_OR_NOT = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]")


@dataclass(slots=True)
class Token:
    start: int  # in the original text
    end: int
    word: str  # folded
    key: str
    capital: bool  # written with a capital letter
    possessive: bool = False  # "Dana's", "the Drysdales'"
    weight: int = 1  # what it costs inside a match: 0 for function words and asides
    clause: int = 0
    keys: frozenset = frozenset()
    aside: bool = False  # inside a pair of commas, dashes or brackets
    name_end: int | None = None  # on the first word of a name of several: its last word
    name_tail: bool = False  # a later word of a name of several
    idiom: bool = False  # in a set phrase that means something else ("dying to")
    soft_start: bool = False  # opens a clause after a lone comma or dash


def _split_word(word):
    """A folded word as (word, possessive, extra words): "dana's" → ("dana", True, ()),
    "doesn't" → ("does", False, ("not",)), "they'll" → ("they", False, ())."""
    if word.endswith("'"):
        return word[:-1], True, ()
    if "'" not in word:
        return word, False, ()
    base, _, tail = word.rpartition("'")
    if tail == "s":
        return base, True, ()
    if tail == "t" and base.endswith("n"):
        stem = base[:-1]
        stem = {"ca": "can", "wo": "will", "sha": "shall"}.get(stem, stem)
        return stem, False, ("not",)
    if tail in {"ll", "re", "ve", "d", "m"}:
        return base, False, ()
    return word.replace("'", ""), False, ()


@lru_cache(maxsize=100_000)
def _reading(raw):
    """A raw folded word as (word, key, possessive, extra (word, key) pairs, weight)."""
    word, possessive, extra = _split_word(raw)
    weight = 0 if word in FUNCTION_WORDS or word in MODIFIERS else 1
    return (
        word,
        word_key(word) if word else "",
        possessive,
        tuple((added, word_key(added)) for added in extra),
        weight,
    )


def tokenize(text):
    """The words of ``text`` as ``Token``s, each with its clause: clauses end at a
    sentence's end, a semicolon or colon, a blank line or a list item, the edge of an
    inline spoiler, a lone comma or dash. Words in an aside (a pair of commas or dashes,
    brackets) belong to the clause around them and cost nothing."""
    folded, origin = _fold(text)
    tokens, kinds = [], []
    previous_end = 0
    append, mark = tokens.append, kinds.append
    for match in _WORD_RE.finditer(folded):
        word, key, possessive, extra, weight = _reading(match.group())
        if not word:
            continue
        start = match.start()
        gap = folded[previous_end:start]
        mark("" if gap == " " else _gap_kind(gap, tokens[-1] if tokens else None))
        previous_end = match.end()
        original_start = origin[start]
        original_end = origin[start + len(word) - 1] + 1
        capital = text[original_start].isupper()
        append(Token(original_start, original_end, word, key, capital, possessive, weight))
        for added, added_key in extra:
            mark("")
            append(Token(original_start, original_end, added, added_key, False, False, 0))
    _mark_clauses(tokens, kinds)
    return tokens


def _gap_kind(gap, previous):
    """What separates two words: "end" (of a clause), "comma", "dash", "open", "close"
    (a bracket) or "" (nothing that matters)."""
    kind = _gap_class(gap)
    if kind == "stop":
        # "Dr. Hassan", "Eric C. Charmelo": an abbreviation's full stop ends nothing.
        abbreviation = previous is not None and (
            previous.word in ABBREVIATIONS or len(previous.word) == 1
        )
        return "" if abbreviation else "end"
    return kind


@lru_cache(maxsize=4096)
def _gap_class(gap):
    """``_gap_kind`` of a gap alone: "stop" for a lone full stop, which may be an
    abbreviation's."""
    if gap == " " or gap == "":
        return ""
    if "||" in gap:
        return "end"
    if _SENTENCE_END_RE.search(gap):
        return "stop" if gap.strip() == "." else "end"
    if "(" in gap or "[" in gap:
        return "open"
    if ")" in gap or "]" in gap:
        return "close"
    if any(dash in gap for dash in _DASHES):
        return "dash"
    if "," in gap:
        return "comma"
    return ""


def _mark_clauses(tokens, kinds):
    """``kinds``: for each token, what separates it from the one before (``_gap_kind``)."""
    # Asides: between a pair of commas (short, or opened by a typical word) or dashes,
    # or in brackets, all within one sentence.
    aside = [False] * len(tokens)
    paired = set()
    for index, kind in enumerate(kinds):
        if kind not in ("comma", "dash", "open") or index in paired:
            continue
        closer = {"comma": ("comma",), "dash": ("dash",), "open": ("close",)}[kind]
        for other in range(index + 1, min(len(kinds), index + 12)):
            if kinds[other] == "end":
                break
            if kinds[other] in closer:
                length = other - index
                opener = tokens[index].word
                if kind != "comma" or length <= SHORT_ASIDE or opener in ASIDE_OPENERS:
                    paired.update((index, other))
                    for inside in range(index, other):
                        aside[inside] = True
                break
    clause = 0
    for index, token in enumerate(tokens):
        kind = kinds[index]
        if index and kind == "end":
            clause += 1
        elif index and kind in ("comma", "dash") and index not in paired:
            clause += 1
            token.soft_start = True
        token.clause = clause
        if aside[index]:
            token.weight = 0
            token.aside = True


# --- names --------------------------------------------------------------------------------


_QUOTED_RE = re.compile(r"[\"“”«»„]([^\"“”«»„]+)[\"“”«»„]|\(([^)]+)\)")


def _name_words(name):
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", _fold(name)[0])


def aliases_of(name, actor=False):
    """The ways a reader may write a credited name, as tuples of folded words: the full
    name, the first name, the surname (a title before it is free: "Dr. Hassan" is found
    as "Hassan"), a nickname in quotes or brackets ("Elizabeth “Lizzie” Wells"). A
    hyphenated part stays whole: "Kim Ki-taek" gives "Kim" and "Ki-taek". An actor's
    name gives its full form and surname only: readers write "Williams's character", not
    "Allison's"."""
    nicknames = [next(part for part in found if part) for found in _QUOTED_RE.findall(name)]
    plain = _QUOTED_RE.sub(" ", name)
    parts = [tuple(_name_words(part)) for part in plain.split()]
    parts = [part for part in parts if part]
    while parts and parts[0] in {(word,) for word in DETERMINERS}:
        parts = parts[1:]
    role = None
    if len(parts) > 1 and len(parts[0]) == 1 and parts[0][0] in TITLES:
        if parts[0][0] not in HONORIFICS:
            role = parts[0]  # "Mayor Ruben Castell" is also "the mayor"
        parts = parts[1:]
    words = tuple(word for part in parts for word in part)
    found = []
    if words:
        found.append(words)
        # "Lizzie of the Chapel" is a name in one piece, not a first name and surname.
        if len(parts) > 1 and not any(word in FUNCTION_WORDS for word in words):
            found += [parts[-1]] if actor else [parts[0], parts[-1]]
    if role and words:
        found += [role, (*role, *parts[-1]), (*role, *words)]
    for nickname in nicknames:
        nick = tuple(_name_words(nickname))
        if nick:
            found.append(nick)
            if len(parts) > 1:
                found.append((*nick, *parts[-1]))
    return [alias for alias in dict.fromkeys(found) if any(len(w) > 1 for w in alias)]


@lru_cache(maxsize=4096)
def _is_common_word(word):
    """A word of the language as well as a name ("Rose", "Park", "Mark")."""
    return word in FUNCTION_WORDS or word in MODIFIERS or simplemma.is_known(word, lang="en")


@dataclass(frozen=True)
class Names:
    """Alias word sequences → the characters they may name (more than one when two
    share a surname)."""

    single: dict
    multi: dict  # first word → [(words, character)]

    @classmethod
    def build(cls, groups):
        """``groups``: tuples of names for one character (the role, then its actor)."""
        single, multi = {}, {}
        claimed = set()
        for group in groups:
            names = [name for name in group if name and name.strip()]
            if not names:
                continue
            own = aliases_of(names[0])
            if not own:
                continue
            character = " ".join(own[0])
            if len(own[0]) == 1 and own[0] in claimed:
                continue  # a first name given on its own after its full name
            for number, name in enumerate(names):
                for alias in aliases_of(name, actor=number > 0):
                    claimed.add(alias)
                    if len(alias) == 1:
                        single.setdefault(alias[0], set()).add(character)
                    else:
                        multi.setdefault(alias[0], []).append((alias, character))
        for first in multi:
            multi[first].sort(key=lambda entry: -len(entry[0]))
        return cls(single, multi)

    def mark(self, tokens, anycase=False):
        """Give each token naming a character the keys of the characters it may name;
        the words after the first of a full name cost nothing."""
        index = 0
        while index < len(tokens):
            token = tokens[index]
            for words, character in self.multi.get(token.word, ()):
                end = index + len(words)
                if end <= len(tokens) and all(
                    tokens[index + offset].word == word
                    and tokens[index + offset].clause == token.clause
                    for offset, word in enumerate(words)
                ):
                    token.keys = frozenset({f"c:{character}"})
                    token.weight = 1
                    token.name_end = end - 1
                    for offset in range(1, len(words)):
                        part = tokens[index + offset]
                        part.keys = frozenset()
                        part.weight = 0
                        part.name_tail = True
                    index = end
                    break
            else:
                characters = self.single.get(token.word)
                # "the rose garden" names nobody; "Rose" may.
                if characters and (anycase or token.capital or not _is_common_word(token.word)):
                    token.keys = frozenset(f"c:{c}" for c in characters)
                    token.weight = 1
                index += 1


# --- word families ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The word families as keys: one-word entries by key, phrases by their first key."""

    single: dict  # key → frozenset of family ids
    phrases: dict  # first key → [(keys, family id)]

    @classmethod
    def build(cls, families):
        """``families``: (family id, [entry, …]) pairs."""
        single, phrases = {}, {}
        for family, entries in families:
            for entry in entries:
                keys = tuple(word_key(word) for word, *_ in map(_split_word, _entry_words(entry)))
                if not keys:
                    continue
                if len(keys) == 1:
                    single.setdefault(keys[0], set()).add(family)
                else:
                    phrases.setdefault(keys[0], []).append((keys, family))
        for first in phrases:
            phrases[first].sort(key=lambda entry: -len(entry[0]))
        return cls({k: frozenset(v) for k, v in single.items()}, phrases)

    def families_of(self, key):
        return self.single.get(key, frozenset())

    def family_keys(self, key):
        """The index keys ("f:<id>") of the one-word families of ``key``."""
        return _family_keys(self, key)

    def phrase_at(self, tokens, index, taken=()):
        """Phrases of a family starting at ``tokens[index]``: [(family, [indexes])], the
        longest first. Each following word within ``PHRASE_GAP`` words, same clause."""
        found = []
        for keys, family in self.phrases.get(tokens[index].key, ()):
            positions, cursor = [index], index
            for key in keys[1:]:
                for ahead in range(cursor + 1, min(len(tokens), cursor + PHRASE_GAP + 2)):
                    candidate = tokens[ahead]
                    if candidate.clause != tokens[index].clause:
                        break
                    if candidate.key == key and ahead not in taken:
                        positions.append(ahead)
                        cursor = ahead
                        break
                else:
                    break
            if len(positions) == len(keys):
                found.append((family, positions))
        return found


@lru_cache(maxsize=50_000)
def _family_keys(lexicon, key):
    return tuple(f"f:{family}" for family in lexicon.single.get(key, ()))


def _entry_words(entry):
    folded = _fold(entry)[0].replace("-", " ")
    return [match.group() for match in _WORD_RE.finditer(folded)]


EMPTY_LEXICON = Lexicon({}, {})
NO_NAMES = Names({}, {})


# --- terms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    keys: frozenset
    text: str
    event: bool = False  # a word of a family: something that happens


@dataclass(frozen=True)
class Pattern:
    """One way of writing a term, compiled: its slots, and which of them name the doer
    and the victim around its event (for the doer-less forms)."""

    slots: tuple
    event: int | None = None
    doers: tuple = ()
    victims: tuple = ()


class Occurrence(NamedTuple):
    first: int
    last: int
    positions: tuple  # token indexes that make it up


@dataclass(frozen=True)
class Match:
    start: int  # in the original text
    end: int


class Matcher:
    """Compiles terms and reads texts against one lexicon and one set of names."""

    def __init__(self, lexicon=EMPTY_LEXICON, names=NO_NAMES):
        self.lexicon = lexicon
        self.names = names
        self._patterns = {}
        self._texts = {}
        # Every key a compiled pattern asks for: a text is indexed under these only, and
        # read again once the vocabulary has grown (``_grown`` counts its growths).
        self.vocabulary = frozenset()
        self._grown = 0

    # -- reading a text ---------------------------------------------------------------

    def read(self, text):
        """``text``'s tokens, each with its keys, and an index: key → occurrences."""
        grown = self._grown
        cached = self._texts.get(text)
        if cached is not None and cached[0] == grown:
            return cached[1]
        tokens = tokenize(text)
        self.names.mark(tokens)
        _mark_idioms(tokens)
        self._join_opening_participles(tokens)
        index = {}
        wanted = self.vocabulary
        family_keys = self.lexicon.family_keys
        phrases = self.lexicon.phrases
        for position, token in enumerate(tokens):
            if token.name_tail:
                continue
            if token.keys:  # a character's name, over one word or several
                last = token.name_end if token.name_end is not None else position
                occurrence = Occurrence(position, last, tuple(range(position, last + 1)))
                for key in token.keys:
                    if key in wanted:
                        index.setdefault(key, []).append(occurrence)
            if token.idiom:
                continue  # "kill the mood" says nothing of killing, in any family
            occurrence = None
            key = "w:" + token.key
            if key in wanted:
                occurrence = Occurrence(position, position, (position,))
                index.setdefault(key, []).append(occurrence)
            for key in family_keys(token.key):
                if key in wanted:
                    occurrence = occurrence or Occurrence(position, position, (position,))
                    index.setdefault(key, []).append(occurrence)
            if token.key in phrases:
                for family, found in self.lexicon.phrase_at(tokens, position):
                    key = f"f:{family}"
                    if key in wanted:
                        index.setdefault(key, []).append(
                            Occurrence(found[0], found[-1], tuple(found))
                        )
        if len(self._texts) > 512:
            self._texts.clear()
        self._texts[text] = (grown, (tokens, index))
        return tokens, index

    def _join_opening_participles(self, tokens):
        """ "Poisoned by Dana, the mayor collapses": a sentence that opens with an event
        a family knows, then a comma, says it of the subject after the comma. That
        subject (up to its first content word) joins the opening clause."""
        position = 0
        while position < len(tokens):
            opening = tokens[position].clause
            end = position
            while end < len(tokens) and tokens[end].clause == opening:
                end += 1
            starts_sentence = position == 0 or not tokens[position].soft_start
            if end < len(tokens) and tokens[end].soft_start and starts_sentence:
                first = next((t for t in tokens[position:end] if t.weight), None)
                if first is not None and not first.idiom and self.lexicon.families_of(first.key):
                    subject = end
                    while subject < len(tokens) and not tokens[subject].weight:
                        subject += 1
                    while subject + 1 < len(tokens) and tokens[subject + 1].name_tail:
                        subject += 1
                    while subject + 1 < len(tokens) and tokens[subject].possessive:
                        # "Killed in a crash, Felix's father…": the father is the subject.
                        subject += 1
                        while subject + 1 < len(tokens) and not tokens[subject].weight:
                            subject += 1
                    following = tokens[end].clause
                    if subject < len(tokens) and tokens[subject].clause == following:
                        for joined in tokens[end : subject + 1]:
                            joined.clause = opening
                        # The rest of the sentence stays a clause of its own.
                        rest = subject + 1
                        while rest < len(tokens) and tokens[rest].clause == following:
                            tokens[rest].clause = following + 0.5
                            rest += 1
                        end = subject + 1
            position = end

    # -- compiling a term -------------------------------------------------------------

    def patterns(self, phrases):
        """The compiled patterns of a term's phrase and variants (duplicates dropped)."""
        key = tuple(phrases)
        if key not in self._patterns:
            compiled = [self.compile(phrase) for phrase in phrases]
            unique = {pattern.slots: pattern for pattern in compiled if pattern.slots}
            self._patterns[key] = list(unique.values())
            keys = {k for pattern in unique.values() for slot in pattern.slots for k in slot.keys}
            if not keys <= self.vocabulary:
                self.vocabulary = self.vocabulary | keys
                self._grown += 1
        return self._patterns[key]

    def compile(self, phrase):
        """A phrase as a ``Pattern``: a slot for each name, each phrase of a family and
        each other content word."""
        tokens = tokenize(phrase)
        self.names.mark(tokens, anycase=True)  # a term's "the mayor" may be a character
        used = set()
        slots, kinds, positions = [], [], []

        def add(position, slot, kind):
            slots.append(slot)
            kinds.append(kind)
            positions.append(position)

        for position, token in enumerate(tokens):
            if position in used or token.name_tail:
                continue
            if token.keys:  # a character, or the word as written (a slug's "rose")
                keys = token.keys | {f"w:{token.key}"} if token.name_end is None else token.keys
                add(position, Slot(keys, token.word), "name")
                continue
            phrases = self.lexicon.phrase_at(tokens, position, taken=used)
            if phrases:
                # The longest phrase here, in every family that lists it.
                family, taken = phrases[0]
                families = {f for f, p in phrases if p == taken}
                used.update(taken)
                words = " ".join(tokens[p].word for p in taken)
                keys = frozenset(f"f:{f}" for f in families)
                add(position, Slot(keys, words, event=True), "family")
                continue
            if not _is_content(tokens, position):
                continue
            keys = {f"w:{token.key}"}
            families = self.lexicon.families_of(token.key)
            keys.update(f"f:{family}" for family in families)
            kind = "family" if families else "word"
            add(position, Slot(frozenset(keys), token.word, event=bool(families)), kind)
        if not slots or kinds == ["name"]:
            # Nothing but function words, or only a name: the words as written (a name
            # that is itself the spoiler is not matched by its actor's name).
            slots, kinds, positions = [], [], []
            for position, token in enumerate(tokens):
                if _is_content(tokens, position) or not any(
                    _is_content(tokens, p) for p in range(len(tokens))
                ):
                    add(position, Slot(frozenset({f"w:{token.key}"}), token.word), "word")
        if len(slots) == 1:
            # One word (a title, a name, a place): its forms, not its family.
            only = slots[0]
            own = frozenset(key for key in only.keys if not key.startswith("f:"))
            return Pattern((Slot(own or only.keys, only.text),))
        return _roles(tokens, tuple(slots), kinds, positions)

    # -- matching -----------------------------------------------------------------------

    def find(self, phrases, text):
        """Where ``text`` says what one of ``phrases`` says: ``Match``es, in order."""
        if not text:
            return []
        patterns = self.patterns(phrases)
        tokens, index = self.read(text)
        found = {}
        for pattern in patterns:
            for first, last in self._find_pattern(pattern, tokens, index):
                while last + 1 < len(tokens) and tokens[last + 1].name_tail:
                    last += 1  # a name of several words is quoted whole
                span = (tokens[first].start, tokens[last].end)
                found.setdefault(span, Match(*span))
        return [found[span] for span in sorted(found)]

    def _find_pattern(self, pattern, tokens, index):
        present = [any(key in index for key in slot.keys) for slot in pattern.slots]
        if not all(present):
            # Most terms are not in most texts: give up early unless a doer-less or
            # victim-less form may still be there.
            if not pattern.doers or not present[pattern.event]:
                return []
            without_doers = all(p for i, p in enumerate(present) if i not in pattern.doers)
            without_victims = all(p for i, p in enumerate(present) if i not in pattern.victims)
            if not (without_doers or without_victims):
                return []
        occurrences = [self._occurrences(slot, index) for slot in pattern.slots]
        events = [slot.event for slot in pattern.slots]
        results, done = [], set()
        every = range(len(pattern.slots))
        ways = [(tuple(every), None)]
        if pattern.doers:
            # The victim undergoes the event, the doer unsaid: "the mayor is poisoned".
            kept = tuple(i for i in every if i not in pattern.doers)
            ways.append((kept, ("undergoes", pattern.event, pattern.victims)))
            # The doer named by the event's noun, the victim unsaid: "Dana is the killer".
            kept = tuple(i for i in every if i not in pattern.victims)
            ways.append((kept, ("named", pattern.event, pattern.doers)))
        for kept, condition in ways:
            chosen = [occurrences[i] for i in kept]
            clauses = None
            for found in chosen:
                here = {tokens[o.first].clause for o in found}
                clauses = here if clauses is None else clauses & here
            for clause in sorted((clauses or set()) - done):
                best = self._best(chosen, tokens, clause, kept, condition, events)
                if best is not None:
                    results.append(best)
                    done.add(clause)
        return sorted(results)

    @staticmethod
    def _occurrences(slot, index):
        found = []
        for key in slot.keys:
            found.extend(index.get(key, ()))
        unique = {(o.first, o.last, o.positions): o for o in found}
        return list(unique.values())

    def _best(self, occurrences, tokens, clause, kept, condition, events):
        choices = [[o for o in found if tokens[o.first].clause == clause] for found in occurrences]
        combinations = 1
        for choice in choices:
            combinations *= len(choice)
        if combinations > 400:
            choices = [choice[:6] for choice in choices]
        limit = MAX_OTHER_WORDS_LONG if len(occurrences) >= 4 else MAX_OTHER_WORDS
        best = None
        for combination in product(*choices):
            taken = set()
            clash = False
            for occurrence in combination:
                if taken.intersection(occurrence.positions):
                    clash = True
                    break
                taken.update(occurrence.positions)
            if clash:
                continue
            first = min(o.first for o in combination)
            last = max(o.last for o in combination)
            if last - first + 1 - len(taken) > MAX_SPAN_EXTRA:
                continue
            if any(tokens[p].clause != clause for p in range(first, last + 1)):
                continue
            other = sum(tokens[p].weight for p in range(first, last + 1) if p not in taken)
            if other > limit:
                continue
            happenings = set()
            for slot, occurrence in zip(kept, combination, strict=True):
                if events[slot]:
                    happenings.update(occurrence.positions)
            if not self._owners_ok(tokens, taken, first, happenings):
                continue
            if condition is not None:
                kind, event, others = condition
                roles = dict(zip(kept, combination, strict=True))
                check = _undergoes if kind == "undergoes" else _named_by_noun
                if not check(tokens, roles[event], [roles[i] for i in others], taken):
                    continue
            score = (other, last - first)
            if best is None or score < best[0]:
                best = (score, (first, last))
        return None if best is None else best[1]

    @staticmethod
    def _owners_ok(tokens, taken, first, happenings):
        """A word of the match written as an owner ("Paloma's") must own a word of the
        match ("Paloma's death"), not something else ("Paloma's husband dies"); and an
        event of the match owned by another ("her mother's death") is not the term's."""
        for position in happenings:
            before = position - 1
            while before >= first and tokens[before].word in MODIFIERS:
                before -= 1
            if before >= first and before not in taken:
                owner = tokens[before]
                if owner.possessive and owner.weight and owner.clause == tokens[position].clause:
                    return False
        for position in taken:
            token = tokens[position]
            if not token.possessive:
                continue
            start = position
            while start > 0 and tokens[start].name_tail:
                start -= 1
            if start > 0 and tokens[start - 1].word == "at":
                continue  # "at Ki-taek's hands": the doer, not an owner
            for ahead in range(position + 1, len(tokens)):
                following = tokens[ahead]
                if following.clause != token.clause:
                    break
                if ahead in taken:
                    break
                if following.weight and not following.aside:
                    return False
        return True


@lru_cache(maxsize=1)
def _idiom_keys():
    found = {}
    for idiom in IDIOMS:
        words = idiom.split()
        found.setdefault(word_key(words[0]), []).append(tuple(word_key(w) for w in words))
    return found


def _mark_idioms(tokens):
    """Mark the words of a family used in a set phrase that means something else: in
    "dying to", the word "dying"; in "the stage", "stage"."""
    idioms = _idiom_keys()
    for position, token in enumerate(tokens):
        for keys in idioms.get(token.key, ()):
            end = position + len(keys)
            if end <= len(tokens) and all(
                tokens[position + i].key == key for i, key in enumerate(keys)
            ):
                for i in range(position, end):
                    if tokens[i].weight or i == position:
                        tokens[i].idiom = True


def _is_content(tokens, position):
    """Whether a word of a term is one a text must say too."""
    token = tokens[position]
    if token.word in PARTICLES:
        # "switches off the alarm": a particle after a word is part of the verb.
        return position > 0
    if token.word in FUNCTION_WORDS:
        return False
    if token.word in MODIFIERS:
        # "her left arm", "the old mayor": it only qualifies the word after it.
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        return following is None or following.word in FUNCTION_WORDS
    return True


def _roles(tokens, slots, kinds, positions):
    """The event (the first word of a family, else the word after a leading name), the
    doers (before it, or after "by") and the victims (the other side)."""
    event = next((i for i, kind in enumerate(kinds) if kind == "family"), None)
    if event is None:
        # The doer-less forms are for events a family knows: for any other verb the
        # doer may be the whole point ("Ransom hired Blanc": that Blanc is hired is
        # the premise).
        return Pattern(slots)
    by = next((p for p in range(positions[event] + 1, len(tokens)) if tokens[p].word == "by"), None)
    before = tuple(i for i in range(event) if kinds[i] != "family")
    after = tuple(i for i in range(event + 1, len(slots)) if kinds[i] != "family")
    if by is not None:
        doers = tuple(i for i in after if positions[i] > by)
        victims = before + tuple(i for i in after if positions[i] < by)
    else:
        doers, victims = before, after
    if not doers or not victims:
        return Pattern(slots, event)
    return Pattern(slots, event, doers, victims)


def _undergoes(tokens, event, victims, taken):
    """Each victim undergoes the event: "the mayor is (quietly) poisoned", "the mayor's
    poisoning", "the poisoning of the mayor"."""
    for victim in victims:
        if victim.last < event.first:
            between = [tokens[p] for p in range(victim.last + 1, event.first)]
            content = [t for t in between if t.weight]
            if tokens[victim.last].possessive and not content and len(between) <= 2:
                continue
            if len(content) <= 1 and any(t.word in PASSIVE_AUXILIARIES for t in between):
                continue
            return False
        between = [tokens[p] for p in range(event.last + 1, victim.first)]
        if between and between[0].word == "of" and not any(t.weight for t in between):
            continue
        return False
    return True


def _named_by_noun(tokens, event, doers, taken):
    """The event is a noun naming the doer: "Dana is the killer", "the real poisoner is
    Dana" (the event a single word after "the", "a" or "an", said of the doer with a
    form of "be", and not qualifying what follows: "Dana finds the dead man" or "Dana
    takes a dose of courage" say nothing of the kind)."""
    if event.first != event.last:
        return False
    position = event.first - 1
    while position >= 0 and tokens[position].word in MODIFIERS:
        position -= 1
    if position < 0 or tokens[position].word not in DETERMINERS:
        return False
    following = event.last + 1
    if following < len(tokens) and tokens[following].clause == tokens[event.last].clause:
        nxt = tokens[following]
        if nxt.word == "of" or (nxt.weight and following not in taken):
            return False  # "the dead man", "a dose of courage"
    # Said to be: "Dana is the killer", "the poisoner was Dana", "turns out to be".
    first = min(o.first for o in (event, *doers))
    last = max(o.last for o in (event, *doers))
    return any(tokens[p].word in COPULAS for p in range(first, last + 1))
