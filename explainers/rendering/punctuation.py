"""Smart punctuation: curly quotes, en and em dashes, ellipses.

The rules, and the order they apply in, are those of Python-Markdown's ``smarty``
extension (its own regular expressions are used). That extension applies them by running
the whole inline-pattern machinery over the tree a second time, which took more than half
of a body's render (30 ms of a 12-section article's 55 ms save-time render, measured with
bench/pages_bench.py --save-only). Here each text of the tree is scanned once per rule with
plain regular expressions, and most texts, having no quote, double hyphen or three dots,
are not scanned at all. tests/rendering/test_rendering.py checks that the output is smarty's.
"""

import re

from markdown import util
from markdown.extensions import Extension
from markdown.extensions import smarty as rules
from markdown.treeprocessors import Treeprocessor

LSQUO, RSQUO, LDQUO, RDQUO = "\u2018", "\u2019", "\u201c", "\u201d"
EN_DASH, EM_DASH, ELLIPSIS = "\u2013", "\u2014", "\u2026"

# (pattern, replacement) in smarty's order (its priorities, highest first). A number in a
# replacement stands for that group of the match, kept as it was.
_RULES = [
    (re.compile(pattern, re.DOTALL), replacement)
    for pattern, replacement in (
        (r"(?<!-)---(?!-)", (EM_DASH,)),
        (r"(?<!-)--(?!-)", (EN_DASH,)),
        (rules.singleQuoteStartRe, (RSQUO,)),
        (rules.doubleQuoteStartRe, (RDQUO,)),
        (rules.doubleQuoteSetsRe, (LDQUO + LSQUO,)),
        (rules.singleQuoteSetsRe, (LSQUO + LDQUO,)),
        (rules.doubleQuoteSetsRe2, (RSQUO + RDQUO,)),
        (rules.singleQuoteSetsRe2, (RDQUO + RSQUO,)),
        (rules.decadeAbbrRe, (RSQUO,)),
        (rules.openingSingleQuotesRegex, (1, LSQUO)),
        (rules.closingSingleQuotesRegex, (RSQUO,)),
        (rules.closingSingleQuotesRegex2, (RSQUO, 1)),
        (rules.remainingSingleQuotesRegex, (LSQUO,)),
        (rules.openingDoubleQuotesRegex, (1, LDQUO)),
        (rules.closingDoubleQuotesRegex, (RDQUO,)),
        (rules.closingDoubleQuotesRegex2, (RDQUO,)),
        (rules.remainingDoubleQuotesRegex, (LDQUO,)),
        (r"(?<!\.)\.{3}(?!\.)", (ELLIPSIS,)),
    )
]
# Something for a rule to change: every rule needs a quote, two hyphens or three dots.
_CANDIDATE = re.compile(r"['\"]|--|\.\.\.")
# What is already replaced sits behind a marker of the shape of Python-Markdown's inline
# placeholders (STX ... ETX), as smarty's replacements did, so later rules see the same
# neighbours they saw there. Control characters never reach this far from a body.
_MARKER = "\u0002smart{}\u0003"
_MARKER_RE = re.compile("\u0002smart(\\d+)\u0003")


def educate(text):
    """``text`` with smarty's punctuation rules applied."""
    if not _CANDIDATE.search(text):
        return text
    replaced = []
    for pattern, replacement in _RULES:
        text = _apply(pattern, replacement, text, replaced)
    return _MARKER_RE.sub(lambda marker: replaced[int(marker.group(1))], text)


# How far past its start a rule's match and look-ahead can reach (the longest is an opening
# quote after "&#8211;", and "s\b" looks one past the "s"): a window this long is enough.
_REACH = 32


def _apply(pattern, replacement, text, replaced):
    """One rule over ``text``, left to right, each replacement behind a marker. In one
    pass: rebuilding the text after each match made a body of quotes quadratic."""
    out, done, position, after_marker = [], 0, 0, False
    while (found := _next(pattern, text, position, after_marker)) is not None:
        start, end, match = found
        parts = (part if isinstance(part, str) else match.group(part) for part in replacement)
        out += [text[done:start], _MARKER.format(len(replaced))]
        replaced.append("".join(parts))
        done = position = end
        after_marker = True
    out.append(text[done:])
    return "".join(out)


def _next(pattern, text, position, after_marker):
    """(start, end, match) of the rule's next match from ``position``, or None. Right after
    a marker a rule sees the marker's last character, not the one that was replaced."""
    if after_marker:
        match = pattern.match("\u0003" + text[position : position + _REACH], 1)
        if match is not None:
            return position, position + match.end() - 1, match
        position += 1
        if position > len(text):
            return None
    match = pattern.search(text, position)
    return None if match is None else (match.start(), match.end(), match)


class SmartPunctuation(Treeprocessor):
    """Every text and tail below the root, except code (``AtomicString``)."""

    def run(self, root):
        for element in root.iter():
            if element is root:
                continue
            if element.text and not isinstance(element.text, util.AtomicString):
                element.text = educate(element.text)
            if element.tail and not isinstance(element.tail, util.AtomicString):
                element.tail = educate(element.tail)


class SmartPunctuationExtension(Extension):
    def extendMarkdown(self, md):
        # Where smarty runs: after the inline patterns and prettifying, before ours (5).
        md.treeprocessors.register(SmartPunctuation(md), "smart_punctuation", 6)
        # A backslash keeps a straight quote straight.
        md.ESCAPED_CHARS.extend(['"', "'"])
