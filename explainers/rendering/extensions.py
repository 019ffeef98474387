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
    def __init__(self, md, numbering, defer_media, media, rank=0):
        super().__init__(md)
        self.numbering = numbering
        self.defer_media = defer_media
        self.rank = rank
        self.media = media or {}
        self.seen = []
        self.keys_in_spoilers = set()
        self.media_used = []

    def run(self, root):
        hidden = set()
        parents = {}
        for parent in root.iter():
            for child in parent:
                parents[id(child)] = parent
        for span in root.iter("span"):
            if span.get("class") == "spoiler":
                hidden.update(id(el) for el in span.iter() if el is not span)
        for el in list(root.iter()):
            if el.tag in ("h1", "h2"):
                el.tag = "h3"
            elif el.tag == "img":
                el.set("loading", "lazy")
                deferred = self.defer_media or id(el) in hidden
                known = self.media.get(el.get("src", ""))
                if known is not None:
                    self.media_used.append(el.get("src"))
                    parent = parents.get(id(el))
                    # An inline spoiler around it already counts as Setup.
                    place = max(self.rank, 1) if id(el) in hidden else self.rank
                    if known.rank > place:
                        # Above the place showing it: folded at its own level.
                        parent = hold_at_level(el, parent, known)
                        deferred = True
                    show_known_image(el, parent, known, deferred)
                elif deferred:
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
    reveal script restores src, srcset and alt."""
    el.set("data-src", el.attrib.pop("src", ""))
    if "srcset" in el.attrib:
        el.set("data-srcset", el.attrib.pop("srcset"))
    el.set("data-alt", el.attrib.pop("alt", ""))
    el.set("alt", "")
    el.set("class", "deferred-media")


BODY_IMAGE_SIZES = "(min-width: 44rem) 42rem, 100vw"


def hold_at_level(el, parent, media):
    """Put ``el`` inside a folded spoiler of the image's own level, labelled with it
    (``reveal.js`` opens it at that level, or when the reader asks); the new parent."""
    hold = etree.Element("span")
    hold.set("class", "spoiler spoiler--held")
    hold.set("data-nosnippet", "")
    hold.set("tabindex", "0")
    hold.set("data-level", str(media.rank))
    hold.set("data-level-name", media.level_name)
    label = etree.SubElement(hold, "span")
    label.set("class", "spoiler__level")
    label.text = media.level_name or "Spoiler"
    inner = etree.SubElement(hold, "span")
    inner.set("class", "spoiler__text")
    hold.tail = el.tail
    el.tail = None
    if parent is not None:
        index = list(parent).index(el)
        parent.remove(el)
        parent.insert(index, hold)
    inner.append(el)
    return inner


def show_known_image(el, parent, media, deferred):
    """An image the site stores (``media``: a ``BodyImage``) is served like a section's
    still: from its renditions, with its own alt text, and with its credit beside it.
    Alone in its paragraph it becomes a <figure>; within a line it keeps its place.

    Deferred, it carries no src or srcset at all, only data- attributes (the sanitizer
    would drop any src in a spoiler section anyway): nothing loads until reveal.
    """
    picture = media.picture
    el.attrib.clear()
    el.set("alt", media.alt)
    el.set("src", picture.src)
    if picture.srcset:
        el.set("srcset", picture.srcset)
        el.set("sizes", BODY_IMAGE_SIZES)
    if picture.width:
        el.set("width", str(picture.width))
        el.set("height", str(picture.height))
    el.set("loading", "lazy")
    el.set("decoding", "async")
    if deferred:
        defer_image(el)
    if picture.webp_srcset:
        tail = el.tail
        el.tail = None
        index = list(parent).index(el) if parent is not None else None
        wrapper = etree.Element("picture")
        source = etree.SubElement(wrapper, "source")
        source.set("type", "image/webp")
        source.set("data-srcset" if deferred else "srcset", picture.webp_srcset)
        source.set("sizes", BODY_IMAGE_SIZES)
        wrapper.append(el)
        wrapper.tail = tail
        if parent is not None:
            parent.remove(el)
            parent.insert(index, wrapper)
        shown = wrapper
    else:
        shown = el
    credit = etree.Element("span")
    credit.set("class", "credit")
    credit.text = media.credit
    alone = (
        parent is not None
        and parent.tag == "p"
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (shown.tail or "").strip()
    )
    if alone:
        parent.tag = "figure"
        parent.set("class", "still still--deferred" if deferred else "still")
        caption = etree.SubElement(parent, "figcaption")
        if media.caption:
            caption.text = f"{media.caption} "
        caption.append(credit)
    elif parent is not None:
        credit.tail = shown.tail
        shown.tail = " "
        parent.insert(list(parent).index(shown) + 1, credit)


class ExplainerExtension(Extension):
    def __init__(self, numbering=None, defer_media=False, media=None, rank=0):
        super().__init__()
        self.numbering = numbering
        self.defer_media = defer_media
        self.media = media
        self.rank = rank
        self.body = None

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            InlineSpoilerProcessor(INLINE_SPOILER_RE, md), "inline_spoiler", SPOILER_PRIORITY
        )
        md.inlinePatterns.register(CitationProcessor(), "citation", CITATION_PRIORITY)
        self.body = BodyTreeprocessor(md, self.numbering, self.defer_media, self.media, self.rank)
        md.treeprocessors.register(self.body, "explainer_body", 5)
