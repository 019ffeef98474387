"""Citation markers: ``[@key]`` in a body becomes a numbered note reference.

Numbers are given by first use across the whole article, so one ``CitationNumbering``
is shared by every section rendered for that article, in reading order. Citations of
the same source share one number (one note lists each locator), so reusing a source
reuses its number.
"""

import re
from dataclasses import dataclass, field

# The same alphabet as a SlugField: letters, digits, hyphens and underscores.
CITATION_KEY_PATTERN = r"[A-Za-z0-9_-]+"
CITATION_MARKER_RE = re.compile(rf"\[@({CITATION_KEY_PATTERN})\]")
REFERENCE_ID_RE = re.compile(r"cite-ref-\d+-\d+")


@dataclass
class CitationNumbering:
    """Hands out note numbers in order of first use.

    ``known`` maps each of the article's citation keys to the note it belongs to (its
    source); a plain collection of keys gives every key a note of its own. A marker
    naming any other key is recorded in ``unknown`` and rendered as unresolved.
    """

    known: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)  # key -> note number, for used keys
    uses: dict = field(default_factory=dict)  # note number -> uses so far
    unknown: list = field(default_factory=list)
    _group_numbers: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.known, dict):
            self.known = {key: key for key in self.known}

    @property
    def known_keys(self):
        return frozenset(self.known)

    def use(self, key):
        """Record one use of ``key``; return ``(number, nth_use)`` or ``None`` if unknown."""
        if key not in self.known:
            if key not in self.unknown:
                self.unknown.append(key)
            return None
        group = self.known[key]
        number = self._group_numbers.setdefault(group, len(self._group_numbers) + 1)
        self.numbers[key] = number
        self.uses[number] = self.uses.get(number, 0) + 1
        return number, self.uses[number]

    def unused(self):
        return sorted(set(self.known) - set(self.numbers))


def note_anchor(number):
    return f"note-{number}"


def reference_anchor(number, nth_use):
    return f"cite-ref-{number}-{nth_use}"
