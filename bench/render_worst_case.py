"""How long the one render pipeline takes on hostile Markdown at the size limit: the
fuzz test (tests/rendering/test_render_fuzz.py) proves it never raises or leaks outside the
allowlist; this prints how long the worst inputs take, so "bounded time" is a figure.

    python bench/render_worst_case.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from explainers.rendering import MAX_MARKDOWN_CHARS, CitationNumbering, render_markdown  # noqa: E402

PIECES = {
    "nested list markers": "- ",
    "nested quotes": "> ",
    "unclosed inline spoilers": "||a ",
    "citation markers": "[@key] ",
    "unknown citation markers": "[@nope] ",
    "emphasis soup": "*_",
    "raw script tags": "<script>alert(1)</script>",
    "broken tags": "<a href='",
    "link forms": "[x](javascript:alert(1)) ",
    "image forms": "![x](x.png) ",
    "table rows": "|a|b|\n",
    "code fences": "```\n",
    "entities": "&#106;&amp;&lt;",
    "plain words": "cello academy chapel duet ",
    "mixed scripts": "مرحبا 日本語 Ünï ",
}


def main():
    numbering = CitationNumbering({"key": 1})
    print(
        f"{'input (at the ' + format(MAX_MARKDOWN_CHARS, ',') + '-character limit)':<44} "
        f"{'render ms':>10} {'deferred ms':>12}"
    )
    worst = 0.0
    for name, piece in PIECES.items():
        text = (piece * (MAX_MARKDOWN_CHARS // len(piece) + 1))[:MAX_MARKDOWN_CHARS]
        timings = []
        for defer in (False, True):
            started = time.perf_counter()
            render_markdown(text, numbering=numbering, defer_media=defer)
            timings.append((time.perf_counter() - started) * 1000)
        worst = max(worst, *timings)
        print(f"{name:<44} {timings[0]:>10.0f} {timings[1]:>12.0f}")
    print(f"worst case: {worst:.0f} ms for one section body at the limit")


if __name__ == "__main__":
    main()
