"""The one render pipeline: sanitizing, inline spoilers, citation numbering."""

import pytest

from explainers.rendering import CitationNumbering, markdownify_preview, render_markdown

HOSTILE_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x OnErRoR=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    '<svg onload="alert(1)"><circle r="4"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{display:none}</style>",
    '<div onmouseover="alert(1)">hover</div>',
    '<form action="https://evil.example"><input name=x><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    '<img """><script>alert(1)</script>">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<span class="spoiler" data-src="javascript:alert(1)" tabindex="9">x</span>',
    "<details open ontoggle=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    '<a href="https://example.org" target="_blank" onclick="alert(1)">ok</a>',
]

FORBIDDEN = [
    "<script",
    "onerror",
    "onload",
    "onmouseover",
    "ontoggle",
    "onclick",
    "javascript:",
    "data:",
    "<iframe",
    "<object",
    "<embed",
    "<svg",
    "<style",
    "style=",
    "<form",
    "<input",
    "<meta",
    "<base",
    "<details",
    "<math",
    "<!--",
    "target=",
]


@pytest.mark.parametrize("payload", HOSTILE_CORPUS)
def test_hostile_markup_is_neutralized(payload):
    html = render_markdown(f"Before {payload} after").html.lower()
    for marker in FORBIDDEN:
        assert marker not in html, f"{marker!r} survived in {html!r}"


@pytest.mark.parametrize("payload", HOSTILE_CORPUS)
def test_hostile_markup_inside_spoiler_sections_is_neutralized_too(payload):
    html = render_markdown(f"||{payload}||", defer_media=True).html.lower()
    for marker in FORBIDDEN:
        assert marker not in html


def test_ordinary_markdown_survives_sanitizing():
    html = render_markdown(
        "Some *emphasis*, **strong**, a [link](https://example.org/a) and `code`.\n\n"
        "> A quotation\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    ).html
    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert 'href="https://example.org/a"' in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html
    assert "<li>one</li>" in html
    assert "<table>" in html


def test_body_headings_are_demoted_below_the_section_heading():
    html = render_markdown("# Big\n\n## Smaller").html
    assert "<h1" not in html and "<h2" not in html
    assert html.count("<h3>") == 2


def test_control_characters_are_removed():
    html = render_markdown("a\x00b\x02c\x03d\x1b").html
    assert html == "<p>abcd</p>"


def test_inline_spoiler_becomes_a_hidden_span_with_nosnippet():
    html = render_markdown("She ||drugged her|| on the bus.").html
    assert (
        '<span class="spoiler" data-nosnippet="" tabindex="0">'
        '<span class="spoiler__text">drugged her</span></span>' in html
    )


def test_inline_spoiler_keeps_inline_formatting_and_citations_inside():
    numbering = CitationNumbering({"film"})
    html = render_markdown("||a *secret* [@film]||", numbering=numbering).html
    assert '<span class="spoiler"' in html
    assert "<em>secret</em>" in html
    assert 'href="#note-1"' in html


def test_double_bars_inside_code_stay_literal():
    html = render_markdown("Use `||like this||` to hide text.").html
    assert "<code>||like this||</code>" in html
    assert 'class="spoiler"' not in html


def test_citations_are_numbered_by_first_use_across_sections():
    numbering = CitationNumbering({"interview", "review", "film"})
    first = render_markdown("Said so [@review], and [@interview].", numbering=numbering)
    second = render_markdown("Again [@interview]; then [@film].", numbering=numbering)
    assert numbering.numbers == {"review": 1, "interview": 2, "film": 3}
    assert 'id="cite-ref-1-1"' in first.html
    assert 'id="cite-ref-2-1"' in first.html
    # Reusing a source reuses its number, with its own back-reference anchor.
    assert 'id="cite-ref-2-2"' in second.html
    assert '<a href="#note-2" rel="noopener noreferrer">2</a>' in second.html
    assert second.citation_keys == ["interview", "film"]


def test_unknown_citation_keys_are_reported_and_not_numbered():
    numbering = CitationNumbering({"interview"})
    rendered = render_markdown("See [@shepard] and [@interview].", numbering=numbering)
    assert rendered.unknown_keys == ["shepard"]
    assert numbering.numbers == {"interview": 1}
    assert "shepard" not in rendered.html
    assert "cite--unknown" in rendered.html


def test_unused_citations_are_listed():
    numbering = CitationNumbering({"a", "b", "c"})
    render_markdown("[@b]", numbering=numbering)
    assert numbering.unused() == ["a", "c"]


def test_citation_marker_is_not_taken_for_a_link():
    numbering = CitationNumbering({"key"})
    html = render_markdown("[@key] and [text](https://example.org)", numbering=numbering).html
    assert html.count("<a ") == 2
    assert 'href="#note-1"' in html


def test_preview_shows_citation_keys_because_the_article_is_not_known():
    html = markdownify_preview("As said [@shepard-interview].")
    assert '<sup class="cite cite--preview">[shepard-interview]</sup>' in html


def test_images_in_spoiler_sections_carry_no_src_until_revealed():
    html = render_markdown(
        '![The final scene](/media/still.jpg)\n\n<img src="/media/raw.jpg" alt="raw">',
        defer_media=True,
    ).html
    assert "src=" not in html.replace("data-src=", "")
    assert 'data-src="/media/still.jpg"' in html
    assert 'data-alt="The final scene"' in html


def test_deferred_image_sources_must_be_safe_urls():
    html = render_markdown(
        '<img data-src="javascript:alert(1)"> <img data-src="//evil.example/x.png">',
        defer_media=True,
    ).html
    assert "javascript" not in html
    assert "evil.example" not in html


def test_images_in_spoiler_free_sections_load_lazily():
    html = render_markdown("![A hall](/media/hall.jpg)").html
    assert 'src="/media/hall.jpg"' in html
    assert 'loading="lazy"' in html


def test_huge_input_is_capped_not_rejected():
    rendered = render_markdown("word " * 100_000)
    assert rendered.html.startswith("<p>word")
    assert len(rendered.html) < 210_000


def test_citations_are_numbered_in_reading_order_even_around_inline_spoilers():
    numbering = CitationNumbering({"a", "b"})
    render_markdown("First [@a], then ||hidden [@b]||, then [@a].", numbering=numbering)
    assert numbering.numbers == {"a": 1, "b": 2}


def test_citations_of_the_same_source_share_a_number():
    numbering = CitationNumbering({"film-act1": "film", "film-duet": "film", "interview": 7})
    html = render_markdown("[@film-act1] [@interview] [@film-duet]", numbering=numbering).html
    assert numbering.numbers == {"film-act1": 1, "interview": 2, "film-duet": 1}
    assert 'id="cite-ref-1-2"' in html


def test_keys_cited_inside_inline_spoilers_are_reported():
    numbering = CitationNumbering({"a", "b"})
    rendered = render_markdown("Open [@a] and ||secret [@b]||.", numbering=numbering)
    assert rendered.keys_in_spoilers == {"b"}


def test_image_inside_an_inline_spoiler_is_deferred_even_in_a_spoiler_free_section():
    html = render_markdown("Look: ||![The final scene](/media/end.jpg)||").html
    assert 'src="/media/end.jpg"' not in html.replace("data-src=", "")
    assert 'data-src="/media/end.jpg"' in html
    assert 'data-alt="The final scene"' in html


def test_editors_cannot_set_ids_that_clash_with_note_anchors():
    html = render_markdown('<sup id="note-1">x</sup> <sup id="cite-ref-1-1">y</sup>').html
    assert 'id="note-1"' not in html
    assert 'id="cite-ref-1-1"' in html


def test_citation_keys_use_the_slug_alphabet():
    numbering = CitationNumbering({"_x", "a-b_c"})
    rendered = render_markdown("[@_x] [@a-b_c] [@dot.ted]", numbering=numbering)
    assert numbering.numbers == {"_x": 1, "a-b_c": 2}
    assert rendered.unknown_keys == []
    assert "[@dot.ted]" in rendered.html


@pytest.mark.parametrize(
    "body",
    ["And this ||never closes.", "||Starts here\n\nand ends in another paragraph||"],
)
def test_an_unclosed_inline_spoiler_is_reported(body):
    assert render_markdown(body).unclosed_spoiler


@pytest.mark.parametrize("body", ["A ||closed|| spoiler.", "Literal `||` bars.", "```\n||\n```"])
def test_closed_spoilers_and_literal_bars_in_code_are_not_reported(body):
    assert not render_markdown(body).unclosed_spoiler


# --- smart punctuation ------------------------------------------------------------------

PUNCTUATION_CORPUS = [
    "It's \"quoted\" -- and --- so... the '80s *x*'s `it's code`",
    "\"'Quoted' words in a larger quote.\"",
    '\'Tis the "end".',
    "He said \\\"no\\\" and \\'yes\\'",
    "**\"bold\"**'s and _'em'_",
    "a----b, a--b, a---b, ....",
    "x'''y\"\"\"z",
    "[link \"text\"](http://example.org 'title') 'after'",
    '<span title="a">\'raw\'</span> "x"',
    "    code 'block' -- kept\n\nafter 'x'",
    "```\n'fenced' -- kept\n```\n\n\"paragraph\"",
    "| a 'b' | \"c\" |\n|---|---|\n| 'd' | e--f |",
    "- 'item'\n- \"two\"...",
    "> 'quote' -- \"x\"",
    "||the 'twist'|| and \"after\" [@interview]'s note",
]


def _with_smarty(text):
    """Python-Markdown's own smarty extension: what our one-pass rules must reproduce."""
    import html

    import markdown

    return html.unescape(markdown.markdown(text, extensions=["tables", "fenced_code", "smarty"]))


def _with_ours(text):
    import html

    import markdown

    from explainers.rendering.punctuation import SmartPunctuationExtension

    extensions = ["tables", "fenced_code", SmartPunctuationExtension()]
    return html.unescape(markdown.markdown(text, extensions=extensions))


@pytest.mark.parametrize("text", PUNCTUATION_CORPUS)
def test_smart_punctuation_is_what_smarty_gives(text):
    assert _with_ours(text) == _with_smarty(text)


def test_smart_punctuation_is_what_smarty_gives_on_random_text():
    import random

    pieces = ["'", '"', "-", "--", ".", "...", " ", "\n", "\n\n", "a", "word", "s", "80s"]
    pieces += ["*", "**", "`", "_", "\\", "&nbsp;", "&mdash;", "\u2013", "(", ")", "[", "]"]
    pieces += ["<b>", "</b>", "> ", "- ", "1. ", "#", "||", "[@k]", "\t", ",", "!", "?"]
    rng = random.Random(2026)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        assert _with_ours(text) == _with_smarty(text), repr(text)


def test_a_body_gets_curly_quotes_dashes_and_ellipses_but_code_keeps_its_own():
    html = render_markdown(
        'It\'s "over" -- or is it --- wait... `don\'t "touch" -- this`\n\n'
        'A backslash keeps \\"straight\\" quotes.'
    ).html
    assert "It\u2019s \u201cover\u201d \u2013 or is it \u2014 wait\u2026" in html
    assert '<code>don\'t "touch" -- this</code>' in html
    assert 'keeps "straight" quotes.' in html
