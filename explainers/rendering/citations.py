"""Citation markers: ``[@key]`` in a body becomes a numbered note reference.

Numbers are given by first use across the whole article, so one ``CitationNumbering``
is shared by every section rendered for that article, in reading order.
"""

import re
from dataclasses import dataclass, field

CITATION_KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
CITATION_MARKER_RE = re.compile(rf"\[@({CITATION_KEY_PATTERN})\]")


@dataclass
class CitationNumbering:
    """Hands out note numbers to known keys in order of first use.

    ``known_keys`` are the keys of the article's citations; a marker naming any
    other key is recorded in ``unknown`` and rendered as an unresolved reference.
    """

    known_keys: frozenset = frozenset()
    numbers: dict = field(default_factory=dict)
    uses: dict = field(default_factory=dict)
    unknown: list = field(default_factory=list)

    def __post_init__(self):
        self.known_keys = frozenset(self.known_keys)

    def use(self, key):
        """Record one use of ``key``; return ``(number, nth_use)`` or ``None`` if unknown."""
        if key not in self.known_keys:
            if key not in self.unknown:
                self.unknown.append(key)
            return None
        number = self.numbers.setdefault(key, len(self.numbers) + 1)
        self.uses[key] = self.uses.get(key, 0) + 1
        return number, self.uses[key]

    def unused(self):
        return sorted(self.known_keys - set(self.numbers))


def note_anchor(number):
    return f"note-{number}"


def reference_anchor(number, nth_use):
    return f"cite-ref-{number}-{nth_use}"
