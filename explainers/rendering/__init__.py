"""The one render pipeline: Markdown in, sanitized HTML out.

Everything that turns an editor's Markdown into HTML goes through ``render_markdown``:
section bodies on save, and django-markdownx's live preview (via
``markdownify_preview``), so the preview shows exactly what readers get. This package
knows no model; callers pass in what it needs (the article's citation keys).
"""

import re
from dataclasses import dataclass, field
from html import escape, unescape

import markdown

from .citations import CitationNumbering, note_anchor, reference_anchor
from .extensions import ExplainerExtension
from .punctuation import SmartPunctuationExtension
from .sanitize import sanitize_html

__all__ = [
    "MAX_MARKDOWN_CHARS",
    "BodyImage",
    "CitationNumbering",
    "Rendered",
    "markdownify_preview",
    "note_anchor",
    "reference_anchor",
    "render_markdown",
    "sanitize_html",
]

# Python-Markdown uses STX/ETX as internal placeholders; other C0 controls have no
# place in prose either. Tabs and newlines stay.
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# About 8,000 words: more than any one section needs. Python-Markdown's raw-HTML handling
# grows with the square of a hostile body's length, so the cap also bounds the time one
# render can take (bench/render_worst_case.py prints it).
MAX_MARKDOWN_CHARS = 50_000

_CODE_RE = re.compile(r"<(code|pre)\b.*?</\1>", re.S)


@dataclass(frozen=True)
class BodyImage:
    """What the renderer needs of a stored image shown in a body: its ``Picture``
    (sources and shape), alt text, credit and caption."""

    picture: object
    alt: str
    credit: str
    caption: str = ""
    # The image's spoiler level: above the level of the section showing it, the image is
    # held folded (deferred, labelled with ``level_name``) until the reader reveals it.
    rank: int = 0
    level_name: str = ""


@dataclass
class Rendered:
    html: str
    citation_keys: list = field(default_factory=list)
    unknown_keys: list = field(default_factory=list)
    # Keys cited from inside an inline ||spoiler||: their notes count as spoilers.
    keys_in_spoilers: set = field(default_factory=set)
    # "||" left in the output (outside code): an inline spoiler that never closed, or
    # one spanning paragraphs. Its text would show to every reader.
    unclosed_spoiler: bool = False
    # Addresses of stored images (``media``) the body shows.
    media_used: list = field(default_factory=list)
    # Lists or quotes nested deeper than Python-Markdown can follow: the text is kept and
    # shown as plain paragraphs, and the admin refuses it with a message.
    too_deep: bool = False


def render_markdown(text, *, numbering=None, defer_media=False, media=None, rank=None):
    """Render ``text`` to safe HTML.

    ``numbering`` (a ``CitationNumbering`` shared across an article's sections) turns
    ``[@key]`` markers into numbered note references; without it markers render as a
    preview showing the key. ``defer_media`` keeps images from loading until revealed.
    ``media`` maps the address of a stored image to a ``BodyImage``: such an image is
    served from its renditions, with its credit. ``rank`` is the level of the place
    showing the text (by default 1 when ``defer_media``, else 0): a stored image of a
    higher level is held folded, at its own level, whatever the place.
    """
    if rank is None:
        rank = 1 if defer_media else 0
    source = _CONTROL_CHARS_RE.sub("", text or "")[:MAX_MARKDOWN_CHARS]
    extension = ExplainerExtension(
        numbering=numbering, defer_media=defer_media, media=media, rank=rank
    )
    md = markdown.Markdown(
        extensions=["sane_lists", "tables", "fenced_code", SmartPunctuationExtension(), extension],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    too_deep = False
    try:
        converted = md.convert(source)
    except RecursionError:
        # Hundreds of nested list or quote markers exhaust Python's stack inside
        # Python-Markdown. Keep every word, as escaped paragraphs, and say so.
        too_deep = True
        converted = "".join(
            f"<p>{escape(block)}</p>" for block in source.split("\n\n") if block.strip()
        )
    html = _drop_raw_images_above(sanitize_html(converted, defer_media=defer_media), media, rank)
    keys = list(dict.fromkeys(extension.body.seen))
    unknown = (
        [key for key in keys if key not in numbering.known_keys] if numbering is not None else []
    )
    return Rendered(
        html=html,
        citation_keys=keys,
        unknown_keys=unknown,
        keys_in_spoilers=set(extension.body.keys_in_spoilers),
        unclosed_spoiler="||" in _CODE_RE.sub("", html),
        media_used=list(dict.fromkeys(extension.body.media_used)),
        too_deep=too_deep,
    )


_RAW_IMAGE_RE = re.compile(r"<(?:img|source)\b[^>]*>", re.I)
_URL_ATTRIBUTE_RE = re.compile(r'\s(src|srcset)="([^"]*)"', re.I)


def _drop_raw_images_above(html, media, rank):
    """An image written as raw HTML (``<img src>``, ``<source srcset>``) is not folded like
    a Markdown image: when it shows a stored image above the place's level, it is left
    out of the page (the leak check names it to the editor)."""
    if not media:
        return html

    def above(tag):
        for name, value in _URL_ATTRIBUTE_RE.findall(tag.group()):
            value = unescape(value)
            urls = [part.split()[0] for part in value.split(",") if part.split()]
            if name.lower() == "src":
                urls = [value]
            for url in urls:
                shown = media.get(url)
                if shown is not None and shown.rank > rank:
                    return ""
        return tag.group()

    return _RAW_IMAGE_RE.sub(above, html)


def markdownify_preview(text):
    """django-markdownx's ``MARKDOWNX_MARKDOWNIFY_FUNCTION``."""
    return render_markdown(text).html
