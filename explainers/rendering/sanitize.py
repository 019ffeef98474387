"""The allowlist every rendered body passes through before it is stored.

Editors write Markdown and may paste raw HTML; whatever they write, readers get only
these tags and attributes: no script, no event handlers, no inline styles, no frames,
and only http(s), mailto and same-site URLs.
"""

import nh3

from .citations import REFERENCE_ID_RE

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "s",
    "del",
    "ins",
    "mark",
    "small",
    "sub",
    "sup",
    "code",
    "pre",
    "kbd",
    "blockquote",
    "q",
    "cite",
    "abbr",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "img",
    "figure",
    "figcaption",
    "picture",
    "source",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
}

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {
        "src",
        "srcset",
        "sizes",
        "alt",
        "title",
        "width",
        "height",
        "loading",
        "decoding",
        "data-src",
        "data-srcset",
        "data-alt",
    },
    "source": {"type", "srcset", "sizes", "data-srcset"},
    "abbr": {"title"},
    "ol": {"start"},
    "sup": {"id"},
    "span": {"data-nosnippet", "tabindex", "data-level", "data-level-name"},
    "th": {"align"},
    "td": {"align"},
}

ALLOWED_CLASSES = {
    "sup": {"cite", "cite--preview", "cite--unknown"},
    "span": {"spoiler", "spoiler--held", "spoiler__level", "spoiler__text", "credit"},
    "img": {"deferred-media"},
    "figure": {"still", "still--deferred"},
}

URL_SCHEMES = {"http", "https", "mailto"}

# In a spoiler section an image may only carry deferred sources (set by the Markdown
# extension); a raw <img src> or <source srcset> pasted as HTML loses them rather than
# load early.
DEFERRED_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "img": ALLOWED_ATTRIBUTES["img"] - {"src", "srcset"},
    "source": ALLOWED_ATTRIBUTES["source"] - {"srcset"},
}

_SOURCE_TYPES = {"image/webp", "image/jpeg", "image/png", "image/gif", "image/avif"}


def _is_safe_deferred_url(value):
    return value.startswith(("https://", "http://")) or (
        value.startswith("/") and not value.startswith("//")
    )


def _is_safe_srcset(value):
    """Every candidate of a srcset is an http(s) or same-site address (nh3 checks src
    and href, not srcset)."""
    candidates = [part.strip() for part in value.split(",")]
    return all(
        candidate and _is_safe_deferred_url(candidate.split()[0]) for candidate in candidates
    )


def _filter_attribute(tag, attribute, value):
    if attribute == "data-src" and not _is_safe_deferred_url(value.strip()):
        return None
    if attribute in ("srcset", "data-srcset") and not _is_safe_srcset(value):
        return None
    if attribute == "type" and value not in _SOURCE_TYPES:
        return None
    if attribute == "decoding" and value not in {"async", "sync", "auto"}:
        return None
    if attribute == "id" and not REFERENCE_ID_RE.fullmatch(value):
        return None  # only our citation anchors; an editor's id could clobber them
    if attribute == "data-level" and not (value.isascii() and value.isdigit()):
        return None
    if attribute == "tabindex" and value != "0":
        return None
    if attribute == "loading" and value not in {"lazy", "eager"}:
        return None
    return value


def sanitize_html(html, *, defer_media=False):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=DEFERRED_ATTRIBUTES if defer_media else ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
