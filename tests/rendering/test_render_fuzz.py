"""The render pipeline, fuzzed: whatever Markdown an editor (or an attacker with an editor's
account) types, rendering never raises and never emits anything outside the allowlist.
Timing is measured by bench/render_fuzz.py, not asserted here."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainers.rendering import CitationNumbering, render_markdown
from explainers.rendering.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS

GLOBAL_ATTRIBUTES = {"class", "rel"}  # rel is added by the sanitizer to every link
URL_ATTRIBUTES = {"href", "src", "data-src"}


class AllowlistAudit(HTMLParser):
    """Collects every tag, attribute and URL that is outside the allowlist."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            value = value or ""
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) | GLOBAL_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name == "class":
                extra = set(value.split()) - ALLOWED_CLASSES.get(tag, set())
                if extra:
                    self.problems.append(f"class {extra} on <{tag}>")
            if name in URL_ATTRIBUTES:
                # What a browser does before reading a scheme: drop tabs and newlines
                # anywhere, and control characters and spaces at either end.
                url = re.sub(r"[\t\n\r]", "", value).strip("\x00- ").lower()
                scheme = re.match(r"([a-z][a-z0-9+.-]*):", url)
                if scheme and scheme.group(1) not in {"http", "https", "mailto"}:
                    self.problems.append(f"URL {value!r} in {name}")
            if name == "style":
                self.problems.append("inline style")

    handle_startendtag = handle_starttag


def audit(html):
    parser = AllowlistAudit()
    parser.feed(html)
    parser.close()
    return parser.problems


PIECES = [
    "||",
    "[@key]",
    "[@other-key]",
    "[@",
    "]",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=//example.org>",
    '<p style="background:url(javascript:alert(1))">',
    "&#106;avascript:",
    "<!--",
    "-->",
    "```",
    "`",
    "**",
    "_",
    "> ",
    "# ",
    "- ",
    "1. ",
    "|a|b|\n|-|-|\n",
    "\n\n",
    "\x00",
    "\x02",
    "\x1b[31m",
    "\u202e",
    "\u200b",
    "Ünïcödé ",
    "مرحبا ",
    "日本語 ",
    "<",
    ">",
    '"',
    "'",
    "&",
]

markdownish = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=60).map(
    "".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish, st.booleans())
def test_rendering_never_raises_and_emits_only_the_allowlist(text, defer_media):
    numbering = CitationNumbering({"key": 1, "other-key": 2})
    rendered = render_markdown(text, numbering=numbering, defer_media=defer_media)
    assert audit(rendered.html) == []
    if defer_media:
        # A spoiler section's images never carry a src or srcset that would load before
        # reveal. On an element, that is: escaped text ("&lt;img src=x&gt;") loads nothing.
        assert not re.search(r"<[a-zA-Z][^>]*\s(?:src|srcset)=", rendered.html)


@pytest.mark.parametrize("piece", PIECES)
def test_huge_and_deeply_nested_input_still_renders_within_the_allowlist(piece):
    rendered = render_markdown(piece * 3000)
    assert audit(rendered.html) == []


def test_lists_nested_past_the_parsers_depth_keep_every_word_and_are_flagged():
    text = "- " * 1000 + "the last word"
    rendered = render_markdown(text)
    assert rendered.too_deep
    assert "the last word" in rendered.html
    assert audit(rendered.html) == []


def test_the_audit_itself_catches_what_it_should():
    # The property above is only as good as this checker: prove it can fail.
    assert audit("<script>x</script>") == ["tag <script>"]
    assert audit('<a href="javascript:alert(1)">x</a>')
    assert audit('<a href=" java\tscript:alert(1)">x</a>')
    assert audit('<a href="java script:alert(1)">x</a>') == []  # a relative URL, inert
    assert audit('<img src="x" onerror="alert(1)">')
    assert audit('<p style="color:red">x</p>')
    assert audit('<span class="evil">x</span>')
    assert audit('<p>fine <a href="https://example.org" rel="noopener">ok</a></p>') == []


def test_the_admin_refuses_a_too_deep_body_with_a_message_not_a_server_error(
    admin_client, work, levels
):
    from explainers.models import Article
    from tests.support.admin_forms import article_post, page_text, section_row

    data = article_post(
        work, sections=[section_row(levels[0], "Lists", "- " * 1000 + "deep", order=1)]
    )
    response = admin_client.post("/admin/explainers/article/add/", data)
    assert response.status_code == 200
    assert "nests lists or quotes too deeply" in page_text(response)
    assert not Article.objects.exists()
