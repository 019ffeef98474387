from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connections, models, router, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from explainers.rendering import (
    MAX_MARKDOWN_CHARS,
    BodyImage,
    CitationNumbering,
    render_markdown,
)

from .images import Image, as_browser_reads, stored_addresses
from .works import Credit, Work

# Sent after ``Article.render_sections`` stored fresh HTML, so that what is derived from
# the rendered text (the search index) can follow without the model knowing about it.
sections_rendered = Signal()

HERO_IMAGE_MESSAGE = (
    "The hero image is shown before any reveal and in link previews, so it must be "
    "spoiler-free (level 0). Pick a level-0 image, or use this one inside a spoiler section."
)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one gate to anything public: published, and its go-live time has passed."""
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__isnull=False,
            published_at__lte=timezone.now(),
        ).order_by(models.F("published_at").desc(), "-id")  # (no NULLs: the index's order)

    def live_or_scheduled(self):
        """Published now or set to go live by the clock: what a re-check after a shared
        change must name, since a scheduled article goes live without another save."""
        return self.filter(status=Article.Status.PUBLISHED)

    def for_listing(self):
        """What a teaser needs in the same query, without the (large) search columns."""
        return (
            self.select_related("work", "hero_image__spoiler_level")
            .prefetch_related("hero_image__renditions")
            .defer("search_context", "search_body", "search_vector")
        )

    def visible_to(self, user):
        """Published articles, plus every draft for staff who may preview them."""
        from ..permissions import may_preview  # the policy reads the models

        if may_preview(user):
            return self.all()
        return self.published()


@dataclass
class RenderReport:
    """What rendering an article found: problems editors must fix or should know."""

    unknown_keys: dict = field(default_factory=dict)  # section position -> [keys]
    unused_keys: list = field(default_factory=list)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    title = models.CharField(
        max_length=200,
        help_text="Spoiler-free: it appears in listings, feeds, search results and link "
        "previews. “The Perfection’s ending, explained” is fine; naming the twist is not.",
    )
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The URL. Spoiler-free, like the title."
    )
    dek = models.TextField(
        "dek",
        max_length=400,
        help_text="A one-paragraph summary under the title, shown wherever the article is "
        "listed. Spoiler-free: say what the article explains, not what happens.",
    )
    work = models.ForeignKey(
        "explainers.Work",
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The film, series, book or game this explainer is about.",
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="articles", blank=True)
    hero_image = models.ForeignKey(
        "explainers.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"spoiler_level__rank": 0},
        help_text="Shown at the top and in link previews: only spoiler-free images (level 0).",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When it goes live. Left empty, publishing sets it to now.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Counts saves; a form opened at an older version is refused on save, so "
        "nobody overwrites a colleague's edit unseen.",
    )
    awaiting_go_live = models.BooleanField(
        default=False,
        editable=False,
        help_text="Scheduled and not yet recorded as live by `manage.py publish_scheduled` "
        "(visibility never waits for it: the published gate compares times).",
    )
    related = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text="Further reading, shown with spoiler-safe teasers.",
    )
    # The search index, kept by explainers.search from the spoiler-safe projection
    # whenever the article, its sections or its work change. Never shown as such.
    search_context = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)
    # Only PostgreSQL fills it (a weighted tsvector, GIN-indexed by a migration that
    # runs only there); SQLite keeps it empty and searches the text columns.
    search_vector = SearchVectorField(null=True, editable=False)
    spoiler_reach = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="The highest spoiler level of any section, for search filters.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        # Drafts (no publication time) last, on PostgreSQL as on SQLite.
        ordering = [models.F("published_at").desc(nulls_last=True), "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # Newest published first, as the home page, feeds and search's window read
            # them: an index scan that stops at the page, however many articles there are.
            models.Index(
                models.F("published_at").desc(),
                models.F("id").desc(),
                name="article_published_newest",
                condition=models.Q(status="published"),
            ),
        ]
        permissions = [
            ("publish_article", "Can approve, publish, schedule and retract articles"),
            ("edit_any_article", "Can edit any article, not only own drafts"),
            (
                "moderate_article",
                "Can change sections' spoiler levels, safe headings and content warnings",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.version += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("explainers:article", kwargs={"slug": self.slug})

    def clean(self):
        if self.hero_image_id and self.hero_image.spoiler_level.rank > 0:
            raise ValidationError({"hero_image": HERO_IMAGE_MESSAGE})

    def is_published(self):
        """Instance twin of ``ArticleQuerySet.published``."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    is_published.boolean = True
    is_published.short_description = "live"

    def related_reading(self, limit=4):
        """Published further reading: the editors' picks first, then other explainers of
        the same work, then explainers of works that share people with this one (a
        director, a writer, an actor), newest first within each. Never this article, never
        a draft. Two queries (and the teasers' renditions), however many candidates."""
        ids = self.related_ids(limit)
        if not ids:
            return []
        found = {
            article.pk: article for article in Article.objects.filter(pk__in=ids).for_listing()
        }
        return [found[pk] for pk in ids if pk in found]

    def related_ids(self, limit=4):
        """The ids, in order. Plain SQL: building this query through the ORM took 4 ms of
        Python per page, running it 0.3 ms. The candidates are one UNION of three indexed
        lookups (an OR of the three made PostgreSQL read every article)."""
        connection = connections[router.db_for_read(Article)]  # a replica, if there are any
        article = connection.ops.quote_name(Article._meta.db_table)
        picks = connection.ops.quote_name(Article.related.through._meta.db_table)
        credit = connection.ops.quote_name(Credit._meta.db_table)
        sql = f"""
            SELECT a.id FROM {article} a
            WHERE a.status = %s AND a.published_at IS NOT NULL AND a.published_at <= %s
              AND a.id <> %s AND a.id IN (
                SELECT p.to_article_id FROM {picks} p WHERE p.from_article_id = %s
                UNION SELECT s.id FROM {article} s WHERE s.work_id = %s
                UNION SELECT k.id FROM {article} k JOIN {credit} c ON c.work_id = k.work_id
                  WHERE k.work_id <> %s
                    AND c.person_id IN (SELECT m.person_id FROM {credit} m WHERE m.work_id = %s))
            ORDER BY CASE
                WHEN a.id IN (SELECT q.to_article_id FROM {picks} q WHERE q.from_article_id = %s)
                THEN 0 WHEN a.work_id = %s THEN 1 ELSE 2 END, a.published_at DESC, a.id DESC
            LIMIT %s"""  # noqa: S608 - table names from the models, every value a parameter
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        work = self.work_id
        params = [self.Status.PUBLISHED, now, self.pk, self.pk, work, work, work, self.pk, work]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [row[0] for row in cursor.fetchall()]

    def next_related_change(self):
        """When the next scheduled explainer among this one's related-reading candidates
        goes live (and the list may change), or None."""
        picks = Article.related.through.objects.filter(from_article=self.pk).values("to_article")
        people = Credit.objects.filter(work=self.work_id).values("person")
        kin = Work.objects.filter(credits__person__in=people).exclude(pk=self.work_id)
        candidates = picks.order_by().union(
            Article.objects.filter(work=self.work_id).order_by().values("pk"),
            Article.objects.filter(work__in=kin).order_by().values("pk"),
        )
        return (
            Article.objects.filter(
                status=self.Status.PUBLISHED, published_at__gt=timezone.now(), pk__in=candidates
            )
            .exclude(pk=self.pk)
            .aggregate(next=models.Min("published_at"))["next"]
        )

    def is_scheduled(self):
        """Published for a time still to come: invisible everywhere until then."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self):
        """The workflow state as the newsroom says it ("Scheduled" is published-later)."""
        return "Scheduled" if self.is_scheduled() else self.get_status_display()

    def render_sections(self, prepared=None):
        """Render every section body and number the citations, in reading order.

        Runs on save (admin, demo command); readers' requests only read ``body_html``.
        ``prepared`` is a ``RenderedBodies`` made from what was submitted (the admin's
        validation renders every body): used if it was made from exactly what is saved.
        """
        sections = list(self.sections.select_related("spoiler_level").order_by("order", "id"))
        citations = list(self.citations.all())
        report = apply_render(sections, citations, prepared)
        with transaction.atomic():
            Section.objects.bulk_update(sections, ["body_html"])
            Citation.objects.bulk_update(citations, ["number", "spoiler_rank"])
            sections_rendered.send(sender=Article, article=self)
        return report


def apply_render(sections, citations, prepared=None):
    """Put each body's HTML on its section and each citation's note number and level on
    the citation, in memory: what ``render_sections`` stores, and what the change form's
    preview shows without storing anything. ``sections`` in reading order; ``prepared``
    is used if it was made from exactly these bodies and citations."""
    # Citations of one source share a note (and its number).
    sources = {citation.key: citation.source_id for citation in citations}
    bodies = [(section.body, section.spoiler_level.rank) for section in sections]
    if prepared is None or not prepared.made_from(bodies, sources):
        prepared = render_bodies(bodies, sources)
    report = RenderReport()
    ranks = {}
    for position, (section, rendered) in enumerate(
        zip(sections, prepared.rendered, strict=True), start=1
    ):
        section.body_html = rendered.html
        if rendered.unknown_keys:
            report.unknown_keys[position] = rendered.unknown_keys
        for key in rendered.citation_keys:
            rank = section.spoiler_level.rank
            if key in rendered.keys_in_spoilers:
                rank = max(rank, 1)
            # A note is as much a spoiler as the most revealing place citing it.
            ranks[key] = max(rank, ranks.get(key, 0))
    numbering = prepared.numbering
    for citation in citations:
        citation.number = numbering.numbers.get(citation.key)
        citation.spoiler_rank = ranks.get(citation.key)
    report.unused_keys = numbering.unused()
    return report


@dataclass
class RenderedBodies:
    """An article's section bodies rendered in reading order, with the numbering of their
    notes, and what they were rendered from."""

    inputs: tuple
    rendered: list
    numbering: CitationNumbering

    def made_from(self, bodies, sources):
        return self.inputs == _render_inputs(bodies, sources)


def _render_inputs(bodies, sources):
    return (tuple((body or "", int(rank)) for body, rank in bodies), sorted(sources.items()))


def render_bodies(bodies, sources):
    """Render ``bodies`` ((Markdown, level rank) in reading order) of an article whose
    citations are ``sources`` (citation key -> source id): a ``RenderedBodies``."""
    inputs = _render_inputs(bodies, sources)
    numbering = CitationNumbering(dict(sources))
    media = body_images(body for body, _ in inputs[0])
    rendered = [
        render_markdown(body, numbering=numbering, defer_media=rank > 0, media=media, rank=rank)
        for body, rank in inputs[0]
    ]
    return RenderedBodies(inputs=inputs, rendered=rendered, numbering=numbering)


class BodyMedia(dict):
    """Stored images by the address a body shows them at, for the renderer. An address
    the renderer meets in another spelling (a character reference Python-Markdown
    decoded, a backslash, a tab) is looked up as a browser would read it, so every
    spelling of one file gets the same treatment."""

    def __init__(self, by_address, by_name):
        super().__init__(by_address)
        self.by_name = by_name

    def get(self, address, default=None):
        if address in self:
            return self[address]
        for _, name in stored_addresses(as_browser_reads(address or "")):
            if name in self.by_name:
                return self.by_name[name]
        return default


def body_images(bodies):
    """Stored images shown in Markdown ``bodies``, by address, as the renderer takes
    them (pasted and dropped images are written in by their address: the storage's URL
    of the original or of a rendition). Every address of one image gets the same
    treatment, its level included."""
    found = Image.objects.select_related("spoiler_level").by_address_in(*bodies)
    shown = {}
    media = {}
    by_name = {}
    for address, image in found.items():
        if image.pk not in shown:
            shown[image.pk] = BodyImage(
                picture=image.picture(),
                alt=image.alt_text,
                credit=image.credit,
                caption=image.caption,
                rank=image.spoiler_level.rank,
                level_name=image.spoiler_level.name,
            )
            by_name[image.file.name] = shown[image.pk]
            for rendition in image.renditions.all():
                by_name[rendition.file.name] = shown[image.pk]
        media[address] = shown[image.pk]
    return BodyMedia(media, by_name)


class Section(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(
        default=0,
        help_text="Sections are read in this order. Leave 0 to place a new section after "
        "the others.",
    )
    heading = models.CharField(
        max_length=200,
        help_text="Shown only once the section is revealed, so it may name the twist.",
    )
    safe_heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown while a spoiler section is collapsed, and in the article's map. "
        "Required above level 0, and it must not give anything away: "
        "“What the final scene means”, not “Why Lizzie and Charlotte team up”.",
    )
    spoiler_level = models.ForeignKey(
        "explainers.SpoilerLevel",
        on_delete=models.PROTECT,
        related_name="sections",
        help_text="How much of the story this section gives away. Sections above 0 stay "
        "collapsed until the reader chooses to see them.",
    )
    body = MarkdownxField(
        validators=[
            MaxLengthValidator(
                MAX_MARKDOWN_CHARS,
                message="This section is too long (%(show_value)s characters; at most "
                "%(limit_value)s). Split it into two sections.",
            )
        ],
        help_text="Markdown. Cite a source with its key in brackets, e.g. [@shepard-interview] "
        "(add the key under Citations below); hide a phrase inline with ||double bars||.",
    )
    body_html = models.TextField(blank=True, editable=False)
    content_warnings = models.ManyToManyField(
        "explainers.ContentWarning", related_name="sections", blank=True
    )
    reveals_through = models.ForeignKey(
        "explainers.WorkPart",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The last chapter or episode this section gives away, if the work has parts.",
    )
    image = models.ForeignKey(
        "explainers.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sections",
        help_text="A still shown at the top of the section, with its credit. Its level "
        "must not be above the section's.",
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.display_heading

    def clean(self):
        if self.spoiler_level_id and self.is_spoiler and not self.safe_heading.strip():
            raise ValidationError(
                {
                    "safe_heading": f"This section is marked {self.spoiler_level.name} but has "
                    "no safe heading. Add one that gives nothing away; readers see it while "
                    "the section is collapsed."
                }
            )

    @property
    def is_spoiler(self):
        return self.spoiler_level.rank > 0

    @property
    def display_heading(self):
        """The heading that may be shown while the section is collapsed."""
        return self.safe_heading if self.is_spoiler else self.heading

    @property
    def anchor(self):
        return f"section-{self.pk}"


class Source(models.Model):
    class Kind(models.TextChoices):
        INTERVIEW = "interview", "Interview"
        ARTICLE = "article", "Article"
        REVIEW = "review", "Review"
        BOOK = "book", "Book"
        VIDEO = "video", "Video"
        PRESS_RELEASE = "press_release", "Press release"
        SOCIAL_POST = "social_post", "Social post"
        WORK = "work", "The work itself"

    kind = models.CharField(max_length=16, choices=Kind)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    archive_url = models.URLField(max_length=500, blank=True)
    work = models.ForeignKey(
        "explainers.Work",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sources",
        help_text="For “the work itself”: which work.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.get_kind_display()})"


class Citation(models.Model):
    """An article's use of a source, referenced inline as ``[@key]``."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    key = models.SlugField(
        max_length=60,
        help_text="Type [@key] in a section body to cite this source, e.g. "
        "[@shepard-interview]. Letters, digits, hyphens and underscores.",
    )
    locator = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where in the source: “p. 12”, “01:12:30”, “chapter Duet”.",
    )
    quotation = models.TextField(blank=True, help_text="An optional short quotation.")
    number = models.PositiveSmallIntegerField(null=True, editable=False)
    spoiler_rank = models.PositiveSmallIntegerField(
        null=True,
        editable=False,
        help_text="The highest spoiler level of the places citing it; above 0 the "
        "note's locator and quotation stay hidden until revealed.",
    )

    class Meta:
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="unique_citation_key"),
        ]

    def __str__(self):
        return f"[@{self.key}]"
