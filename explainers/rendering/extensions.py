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

INLINE_SPOILER_RE = r"\|\|(?=\S)(.+?)(?<=\S)\|\|"


class InlineSpoilerProcessor(InlineProcessor):
    """``||text||`` becomes a hidden span that the reader reveals."""

    def handleMatch(self, m, data):
        el = etree.Element("span")
        el.set("class", "spoiler")
        el.set("data-nosnippet", "")
        el.set("tabindex", "0")
        el.text = m.group(1)
        return el, m.start(0), m.end(0)


class CitationProcessor(InlineProcessor):
    def __init__(self, numbering):
        super().__init__(CITATION_MARKER_RE.pattern)
        self.numbering = numbering
        self.seen = []

    def handleMatch(self, m, data):
        key = m.group(1)
        self.seen.append(key)
        sup = etree.Element("sup")
        if self.numbering is None:
            # Live preview of one section: the article's citations are not known here.
            sup.set("class", "cite cite--preview")
            sup.text = f"[{key}]"
            return sup, m.start(0), m.end(0)
        used = self.numbering.use(key)
        if used is None:
            sup.set("class", "cite cite--unknown")
            sup.text = "[?]"
            return sup, m.start(0), m.end(0)
        number, nth = used
        sup.set("class", "cite")
        sup.set("id", reference_anchor(number, nth))
        link = etree.SubElement(sup, "a")
        link.set("href", f"#{note_anchor(number)}")
        link.text = str(number)
        return sup, m.start(0), m.end(0)


class BodyTreeprocessor(Treeprocessor):
    def __init__(self, md, defer_media):
        super().__init__(md)
        self.defer_media = defer_media

    def run(self, root):
        for el in root.iter():
            if el.tag in ("h1", "h2"):
                el.tag = "h3"
            elif el.tag == "img":
                el.set("loading", "lazy")
                if self.defer_media:
                    # The browser must not fetch a spoiler image before the reader
                    # reveals it: the reveal script restores src and alt.
                    el.set("data-src", el.attrib.pop("src", ""))
                    el.set("data-alt", el.attrib.pop("alt", ""))
                    el.set("alt", "")
                    el.set("class", "deferred-media")
        return None


class ExplainerExtension(Extension):
    def __init__(self, numbering=None, defer_media=False):
        super().__init__()
        self.numbering = numbering
        self.defer_media = defer_media
        self.citations = None

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            InlineSpoilerProcessor(INLINE_SPOILER_RE, md), "inline_spoiler", SPOILER_PRIORITY
        )
        self.citations = CitationProcessor(self.numbering)
        md.inlinePatterns.register(self.citations, "citation", CITATION_PRIORITY)
        md.treeprocessors.register(BodyTreeprocessor(md, self.defer_media), "explainer_body", 5)
