"""Read the demo's content files into plain, checked data (no database needed).

The files are described in ``README.md`` beside this module. Everything one file names in
another (a work, a source, an image, a warning, a spoiler level, a part, a login) is
checked here, so a mistake is reported as ``path:line: what is wrong`` before a single
row is written.
"""

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from explainers.rendering.citations import CITATION_MARKER_RE

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LADDER_MIGRATION = "explainers.migrations.0002_default_spoiler_ladder"
FRONT_MATTER = "+++"
SECTION_MARKER = "+++ section"
REQUIRED = object()


class Tables:
    """A schema type: an array of tables (``[[name]]`` or a list of inline tables)."""


class DemoContentError(Exception):
    """A content file that cannot be loaded; says which file, which line and why."""

    def __init__(self, path, line, message):
        super().__init__(f"{_shown(path)}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def _shown(path):
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class Block:
    """A run of TOML lines in a file, remembered with where it starts for error messages."""

    path: Path
    first_line: int  # the file's line number of ``lines[0]``
    lines: list

    def parse(self):
        try:
            return tomllib.loads("\n".join(self.lines))
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            found = re.search(r"\(at line (\d+), column (\d+)\)", message)
            line = self.first_line + int(found[1]) - 1 if found else self.first_line
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
            raise DemoContentError(self.path, line, f"not valid TOML: {message}") from None

    def line_of(self, *needles, after=None):
        """The file line of the first line (from ``after``) holding one of ``needles``."""
        start = 0 if after is None else after - self.first_line
        for index in range(max(start, 0), len(self.lines)):
            if any(needle in self.lines[index] for needle in needles):
                return self.first_line + index
        return self.first_line if after is None else after

    def header_line(self, header, index):
        """The file line of the ``index``-th ``[[header]]`` (or ``[header]``) line."""
        seen = -1
        for number, text in enumerate(self.lines):
            if text.strip() in (f"[[{header}]]", f"[{header}]"):
                seen += 1
                if seen == index:
                    return self.first_line + number
        return self.first_line

    def error(self, message, *needles, after=None):
        return DemoContentError(self.path, self.line_of(*needles, after=after), message)


@dataclass
class Table:
    """One TOML table being checked: its values, and how to point at them in the file."""

    block: Block
    values: dict
    line: int  # where the table starts

    def check(self, schema):
        """``schema``: name -> (type, default or REQUIRED). Returns the values, completed."""
        unknown = sorted(set(self.values) - set(schema))
        if unknown:
            raise self.error(
                f"unknown key {unknown[0]!r}; expected one of: {', '.join(schema)}", unknown[0]
            )
        checked = {}
        for name, (kind, default) in schema.items():
            if name not in self.values:
                if default is REQUIRED:
                    raise DemoContentError(self.block.path, self.line, f"{name!r} is missing")
                checked[name] = default
                continue
            value = self.values[name]
            if kind is Tables:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise self.error(f"{name!r} should be a list of tables", name)
            elif not isinstance(value, kind) or isinstance(value, _NOT[kind]):
                raise self.error(f"{name!r} should be {_kind_name(kind)}", name)
            elif kind is list and not all(isinstance(item, str) for item in value):
                raise self.error(f"{name!r} should be a list of strings", name)
            checked[name] = value
        return checked

    def error(self, message, *needles):
        quoted = [f'"{needle}"' for needle in needles if isinstance(needle, str)]
        names = [f"{needle} =" for needle in needles if isinstance(needle, str)]
        return self.block.error(message, *(quoted + names), after=self.line)

    def one_of(self, name, value, allowed, what):
        if value not in allowed:
            choices = ", ".join(sorted(str(choice) for choice in allowed))
            raise self.error(f"{name} {value!r} is not {what}; choose from: {choices}", value)
        return value


# What passes ``isinstance`` but is not meant: a bool is an int, a datetime is a date.
_NOT = {int: bool, datetime.date: datetime.datetime, str: (), bool: (), list: ()}


def _kind_name(kind):
    return {
        str: "a string",
        int: "a whole number",
        bool: "true or false",
        list: "a list",
        datetime.date: "a date (YYYY-MM-DD)",
    }.get(kind, kind.__name__)


def _tables(block, data, header):
    """The tables of ``[[header]]`` (a list) or ``[header.name]`` (a dict), with lines."""
    found = data.get(header, [])
    if isinstance(found, dict):
        return [
            (key, Table(block, values, block.line_of(f"[{header}.{key}]")))
            for key, values in found.items()
        ]
    return [
        (None, Table(block, values, block.header_line(header, index)))
        for index, values in enumerate(found)
    ]


def _lines(path):
    try:
        return path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise DemoContentError(path, 1, "this file is missing") from None
    except UnicodeDecodeError as error:
        raise DemoContentError(path, 1, f"not UTF-8 text: {error.reason}") from None


def _toml_file(path):
    block = Block(path, 1, _lines(path))
    return block, block.parse()


# -- the content as data ---------------------------------------------------------------


@dataclass
class Content:
    levels: dict = field(default_factory=dict)  # level name -> rank
    warnings: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    works: dict = field(default_factory=dict)  # in creation order
    articles: dict = field(default_factory=dict)  # in creation order
    reports: list = field(default_factory=list)
    logins: dict = field(default_factory=dict)


def read(root=CONTENT_DIR):
    """Read and check every content file under ``root``."""
    from explainers import roles
    from explainers.models import Article, Credit, ReaderReport, Source, Work

    root = Path(root)
    content = Content()
    content.levels = {
        spec["slug"]: spec["rank"] for spec in import_module(LADDER_MIGRATION).DEFAULT_LADDER
    }

    block, data = _toml_file(root / "warnings.toml")
    for _, table in _tables(block, data, "warning"):
        spec = table.check(
            {
                "slug": (str, REQUIRED),
                "name": (str, REQUIRED),
                "description": (str, ""),
                "is_spoiler": (bool, False),
            }
        )
        content.warnings[spec["slug"]] = spec

    block, data = _toml_file(root / "images.toml")
    drawings = _drawing_names()
    for key, table in _tables(block, data, "image"):
        spec = table.check(
            {"level": (str, REQUIRED), "alt_text": (str, REQUIRED), "caption": (str, REQUIRED)}
        )
        table.one_of("image", key, drawings, "a drawing in explainers/demo/stills.py")
        spec["rank"] = content.levels[
            table.one_of("level", spec["level"], content.levels, "a spoiler level")
        ]
        content.images[key] = spec

    block, data = _toml_file(root / "sources.toml")
    kinds = set(Source.Kind.values) - {Source.Kind.WORK}
    for key, table in _tables(block, data, "source"):
        spec = table.check(
            {
                "kind": (str, REQUIRED),
                "title": (str, REQUIRED),
                "author": (str, ""),
                "publisher": (str, ""),
                "url": (str, ""),
                "published_on": (datetime.date, None),
                "accessed_on": (datetime.date, None),
            }
        )
        table.one_of("kind", spec["kind"], kinds, "a kind of source")
        content.sources[key] = spec

    block, data = _toml_file(root / "logins.toml")
    for _, table in _tables(block, data, "login"):
        spec = table.check(
            {
                "username": (str, REQUIRED),
                "password": (str, REQUIRED),
                "first_name": (str, ""),
                "last_name": (str, ""),
                "role": (str, None),
            }
        )
        if spec["role"] is not None:
            table.one_of("role", spec["role"], roles.ROLES, "a role in explainers/roles.py")
        content.logins[spec["username"]] = spec

    order_block, order = _toml_file(root / "order.toml")
    order_table = Table(order_block, order, 1)
    order = order_table.check({"works": (list, REQUIRED), "articles": (list, REQUIRED)})

    works = {path.stem: path for path in sorted((root / "works").glob("*.toml"))}
    _same_files(order_table, "works", order["works"], works)
    for slug in order["works"]:
        content.works[slug] = _work(works[slug], content, Work, Credit)

    articles = {path.stem: path for path in sorted((root / "articles").glob("*.md"))}
    _same_files(order_table, "articles", order["articles"], articles)
    for slug in order["articles"]:
        content.articles[slug] = _article(articles[slug], content, Article)
    for article in content.articles.values():
        for slug in article["related"]:
            article["table"].one_of("related", slug, content.articles, "a demo explainer")
        del article["table"]

    block, data = _toml_file(root / "reader_reports.toml")
    for _, table in _tables(block, data, "report"):
        spec = table.check(
            {
                "article": (str, REQUIRED),
                "section": (int, None),
                "reason": (str, REQUIRED),
                "details": (str, REQUIRED),
                "days_ago": (int, REQUIRED),
                "status": (str, REQUIRED),
            }
        )
        article = content.articles.get(spec["article"])
        table.one_of("article", spec["article"], content.articles, "a demo explainer")
        if spec["section"] is not None and not 1 <= spec["section"] <= len(article["sections"]):
            raise table.error(
                f"section {spec['section']} is not one of the article's "
                f"{len(article['sections'])} sections",
                "section",
            )
        table.one_of("reason", spec["reason"], ReaderReport.Reason.values, "a report reason")
        table.one_of("status", spec["status"], ReaderReport.Status.values, "a report status")
        content.reports.append(spec)
    return content


def _drawing_names():
    from explainers.demo import stills

    return set(stills.STILLS)


def _same_files(table, name, listed, files):
    for slug in listed:
        table.one_of(f"{name} entry", slug, files, f"a file in {name}/")
    missing = sorted(set(files) - set(listed))
    if missing:
        raise table.error(f"{name}/{missing[0]} is not listed in {name}", name)
    if len(set(listed)) != len(listed):
        raise table.error(f"{name} lists a file twice", name)


def _spoiler_free_image(table, name, key, content):
    table.one_of(name, key, content.images, "an image in images.toml")
    if content.images[key]["rank"] != 0:
        raise table.error(f"{name} {key!r} must be a spoiler-free image", key)
    return key


def _work(path, content, Work, Credit):
    block, data = _toml_file(path)
    table = Table(block, data, 1)
    spec = table.check(
        {
            "slug": (str, REQUIRED),
            "title": (str, REQUIRED),
            "kind": (str, REQUIRED),
            "year": (int, None),
            "release_date": (datetime.date, None),
            "platform": (str, ""),
            "poster": (str, REQUIRED),
            "synopsis": (str, ""),
            "source_publisher": (str, ""),
            "source_author": (str, ""),
            "parts": (list, []),
            "credits": (Tables, []),
            "spoiler_term": (Tables, []),
        }
    )
    if spec["slug"] != path.stem:
        raise table.error(f"slug {spec['slug']!r} differs from the file name", "slug")
    table.one_of("kind", spec["kind"], Work.Kind.values, "a kind of work")
    _spoiler_free_image(table, "poster", spec["poster"], content)
    credits = []
    for values in spec["credits"]:
        credit_table = Table(block, values, block.line_of(f'"{values.get("name")}"'))
        credit = credit_table.check(
            {"role": (str, REQUIRED), "name": (str, REQUIRED), "character": (str, "")}
        )
        credit_table.one_of("role", credit["role"], Credit.Role.values, "a role")
        credits.append(credit)
    spec["credits"] = credits
    terms = []
    for _, term in _tables(block, data, "spoiler_term"):
        checked = term.check(
            {
                "phrase": (str, REQUIRED),
                "variants": (str, ""),
                "level": (str, REQUIRED),
                "notes": (str, ""),
            }
        )
        term.one_of("level", checked["level"], content.levels, "a spoiler level")
        checked["rank"] = content.levels[checked["level"]]
        terms.append(checked)
    spec["spoiler_terms"] = terms
    del spec["spoiler_term"]
    return spec


def _article(path, content, Article):
    """An explainer: TOML front matter between ``+++`` lines, then its sections."""
    lines = _lines(path)
    if lines[0] != FRONT_MATTER:
        raise DemoContentError(path, 1, "an explainer starts with a '+++' line (front matter)")
    close = _closing(path, lines, 0)
    front = Block(path, 2, lines[1:close])
    table = Table(front, front.parse(), 1)
    spec = table.check(
        {
            "slug": (str, REQUIRED),
            "title": (str, REQUIRED),
            "dek": (str, ""),
            "work": (str, REQUIRED),
            "status": (str, REQUIRED),
            "published_days_ago": (int, None),
            "hero_image": (str, REQUIRED),
            "authors": (list, []),
            "related": (list, []),
            "citation": (Tables, []),
        }
    )
    if spec["slug"] != path.stem:
        raise table.error(f"slug {spec['slug']!r} differs from the file name", "slug")
    table.one_of("work", spec["work"], content.works, "a work in works/")
    work = content.works[spec["work"]]
    table.one_of("status", spec["status"], Article.Status.values, "a status")
    if (spec["status"] == Article.Status.PUBLISHED) != (spec["published_days_ago"] is not None):
        raise table.error(
            "published_days_ago is given for a published explainer, and only for one", "status"
        )
    _spoiler_free_image(table, "hero_image", spec["hero_image"], content)
    for username in spec["authors"]:
        table.one_of("author", username, content.logins, "a login in logins.toml")
    citations = []
    for _, cited in _tables(front, {"citation": spec.pop("citation")}, "citation"):
        citation = cited.check(
            {
                "key": (str, REQUIRED),
                "source": (str, REQUIRED),
                "locator": (str, ""),
                "quotation": (str, ""),
            }
        )
        if citation["source"] != "work":
            cited.one_of("source", citation["source"], content.sources, "'work' or a source")
        citations.append(citation)
    spec["citations"] = citations
    spec["sections"] = _sections(path, lines, close + 1, content, work)
    if not spec["sections"]:
        raise DemoContentError(path, close + 1, "an explainer needs at least one section")
    _check_cited(path, front, spec)
    spec["file"] = path
    spec["table"] = table
    return spec


def _check_cited(path, front, spec):
    """Every ``[@key]`` in a body names a citation, and every citation is cited."""
    keys = [citation["key"] for citation in spec["citations"]]
    cited = set()
    for section in spec["sections"]:
        for line, key in section.pop("cited"):
            if key not in keys:
                raise DemoContentError(
                    path, line, f"[@{key}] names no citation; add one with key = {key!r}"
                )
            cited.add(key)
    for index, key in enumerate(keys):
        if key not in cited:
            raise front.error(
                f"citation {key!r} is never cited; cite it with [@{key}] or remove it",
                f'"{key}"',
                after=front.header_line("citation", index),
            )


def _closing(path, lines, opening):
    for index in range(opening + 1, len(lines)):
        if lines[index] == FRONT_MATTER:
            return index
    raise DemoContentError(path, opening + 1, "this '+++' block is never closed by a '+++' line")


def _sections(path, lines, start, content, work):
    """Each section: a ``+++ section`` line, TOML, ``+++``, then its Markdown body."""
    markers = [index for index in range(start, len(lines)) if lines[index] == SECTION_MARKER]
    for index in range(start, markers[0] if markers else len(lines)):
        if lines[index].strip():
            raise DemoContentError(
                path, index + 1, f"text before the first section; start one with {SECTION_MARKER!r}"
            )
    sections = []
    for number, marker in enumerate(markers):
        close = _closing(path, lines, marker)
        block = Block(path, marker + 2, lines[marker + 1 : close])
        table = Table(block, block.parse(), marker + 1)
        spec = table.check(
            {
                "level": (str, REQUIRED),
                "heading": (str, REQUIRED),
                "safe_heading": (str, ""),
                "warnings": (list, []),
                "part": (int, None),
                "image": (str, None),
            }
        )
        table.one_of("level", spec["level"], content.levels, "a spoiler level")
        spec["rank"] = content.levels[spec["level"]]
        if spec["rank"] > 0 and not spec["safe_heading"].strip():
            raise table.error(
                "a section above spoiler-free needs a safe_heading that gives nothing away",
                "safe_heading" if "safe_heading" in table.values else "heading",
            )
        for slug in spec["warnings"]:
            table.one_of("warning", slug, content.warnings, "a warning in warnings.toml")
        if spec["part"] is not None and not 1 <= spec["part"] <= len(work["parts"]):
            raise table.error(
                f"part {spec['part']} is not one of the {len(work['parts'])} parts of "
                f"{work['slug']!r}",
                "part",
            )
        if spec["image"] is not None:
            table.one_of("image", spec["image"], content.images, "an image in images.toml")
            if content.images[spec["image"]]["rank"] > spec["rank"]:
                raise table.error(f"image {spec['image']!r} spoils more than this section", "image")
        end = markers[number + 1] if number + 1 < len(markers) else len(lines)
        body = lines[close + 1 : end]
        for offset, text in enumerate(body):
            if text.startswith(FRONT_MATTER):
                raise DemoContentError(
                    path,
                    close + 2 + offset,
                    f"a stray '+++' line; a section starts with {SECTION_MARKER!r}",
                )
        spec["body"] = "\n".join(body).strip("\n")
        if not spec["body"].strip():
            raise DemoContentError(path, marker + 1, "this section has no body")
        spec["cited"] = [
            (close + 2 + offset, key)
            for offset, text in enumerate(body)
            for key in CITATION_MARKER_RE.findall(text)
        ]
        sections.append(spec)
    return sections
