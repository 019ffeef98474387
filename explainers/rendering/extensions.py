"""Python-Markdown extensions for explainers: inline spoilers, citation markers,
heading demotion (a section's own heading is the h2) and deferred spoiler media."""

import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .citations import CITATION_MARKER_RE, note_anchor, reference_anchor

# Above links (160) so "[@key]" is never read as a link; below code spans (190) so
# markers inside backticks stay literal.
SPOILER_PRIORITY = 185
CITATION_PRIORITY = 175

# The hidden text may not run across another "||": without that rule a paragraph of
# "||a ||a ||a …" sent the lazy match to the end of the paragraph from every "||", which
# took minutes on a long body (found by bench/render_worst_case.py).
INLINE_SPOILER_RE = r"\|\|(?=\S)((?:(?!\|\|).)+?)(?<=\S)\|\|"


class InlineSpoilerProcessor(InlineProcessor):
    """``||text||`` becomes a hidden span that the reader reveals."""

    def handleMatch(self, m, data):
        el = etree.Element("span")
        el.set("class", "spoiler")
        el.set("data-nosnippet", "")
        el.set("tabindex", "0")
        # The text sits in an inner span so CSS can hide it from screen readers too
        # (visibility), not only from eyes, even without JavaScript.
        inner = etree.SubElement(el, "span")
        inner.set("class", "spoiler__text")
        inner.text = m.group(1)
        return el, m.start(0), m.end(0)


class CitationProcessor(InlineProcessor):
    """``[@key]`` becomes a placeholder ``<sup>``; the tree processor numbers it, in
    document order (inline patterns do not run in reading order)."""

    def __init__(self):
        super().__init__(CITATION_MARKER_RE.pattern)

    def handleMatch(self, m, data):
        sup = etree.Element("sup")
        sup.set("data-key", m.group(1))
        return sup, m.start(0), m.end(0)


class BodyTreeprocessor(Treeprocessor):
    def __init__(self, md, numbering, defer_media):
        super().__init__(md)
        self.numbering = numbering
        self.defer_media = defer_media
        self.seen = []
        self.keys_in_spoilers = set()

    def run(self, root):
        hidden = set()
        for span in root.iter("span"):
            if span.get("class") == "spoiler":
                hidden.update(id(el) for el in span.iter() if el is not span)
        for el in root.iter():
            if el.tag in ("h1", "h2"):
                el.tag = "h3"
            elif el.tag == "img":
                el.set("loading", "lazy")
                if self.defer_media or id(el) in hidden:
                    defer_image(el)
            elif el.tag == "sup" and "data-key" in el.attrib:
                key = el.attrib.pop("data-key")
                self.seen.append(key)
                if id(el) in hidden:
                    self.keys_in_spoilers.add(key)
                self.cite(el, key)
        return None

    def cite(self, sup, key):
        if self.numbering is None:
            # Live preview of one section: the article's citations are not known here.
            sup.set("class", "cite cite--preview")
            sup.text = f"[{key}]"
            return
        used = self.numbering.use(key)
        if used is None:
            sup.set("class", "cite cite--unknown")
            sup.text = "[?]"
            return
        number, nth = used
        sup.set("class", "cite")
        sup.set("id", reference_anchor(number, nth))
        link = etree.SubElement(sup, "a")
        link.set("href", f"#{note_anchor(number)}")
        link.text = str(number)


def defer_image(el):
    """The browser must not fetch a spoiler image before the reader reveals it: the
    reveal script restores src and alt."""
    el.set("data-src", el.attrib.pop("src", ""))
    el.set("data-alt", el.attrib.pop("alt", ""))
    el.set("alt", "")
    el.set("class", "deferred-media")


class ExplainerExtension(Extension):
    def __init__(self, numbering=None, defer_media=False):
        super().__init__()
        self.numbering = numbering
        self.defer_media = defer_media
        self.body = None

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            InlineSpoilerProcessor(INLINE_SPOILER_RE, md), "inline_spoiler", SPOILER_PRIORITY
        )
        md.inlinePatterns.register(CitationProcessor(), "citation", CITATION_PRIORITY)
        self.body = BodyTreeprocessor(md, self.numbering, self.defer_media)
        md.treeprocessors.register(self.body, "explainer_body", 5)
