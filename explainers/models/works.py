from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

POSTER_MESSAGE = (
    "The poster is shown to every visitor, so it must be spoiler-free (level 0). "
    "Pick a level-0 image."
)


class Person(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("explainers:person", kwargs={"slug": self.slug})


class Work(models.Model):
    class Kind(models.TextChoices):
        FILM = "film", "Film"
        SERIES = "series", "Series"
        SEASON = "season", "Season"
        EPISODE = "episode", "Episode"
        BOOK = "book", "Book"
        GAME = "game", "Game"

    kind = models.CharField(max_length=10, choices=Kind, default=Kind.FILM)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    release_date = models.DateField(
        null=True, blank=True, help_text="First general release (streaming or cinema)."
    )
    platform = models.CharField(
        "platform or publisher",
        max_length=120,
        blank=True,
        help_text="Where readers find it: Netflix, a cinema release, a publisher, a console.",
    )
    synopsis = models.TextField(
        blank=True,
        help_text="Spoiler-free: no more than a trailer or the platform's own blurb says.",
    )
    poster = models.ForeignKey(
        "explainers.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"spoiler_level__rank": 0},
        help_text="Shown on the work page and beside listings: a spoiler-free image (level 0).",
    )
    people = models.ManyToManyField(Person, through="Credit", related_name="works", blank=True)
    spoiler_window_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days after the release date during which the site assumes readers have "
        "not seen it. Empty: the site default (SPOILER_WINDOW_DAYS).",
    )
    relaxed_tolerance = models.ForeignKey(
        "explainers.SpoilerLevel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Once the window has passed, sections up to this level open by default. "
        "Empty: the site default (SPOILER_RELAXED_RANK, normally nothing). A reader's "
        "own choice always wins.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self):
        return reverse("explainers:work", kwargs={"slug": self.slug})

    def clean(self):
        if self.poster_id and self.poster.spoiler_level.rank > 0:
            raise ValidationError({"poster": POSTER_MESSAGE})

    def default_tolerance_rank(self, today=None):
        """How far the page reveals by default for a reader who has chosen nothing.

        0 (nothing) until the work's spoiler window after release has passed; then the
        relaxed level a moderator set for the work, or the site's default.
        """
        if self.release_date is None:
            return 0
        today = today or timezone.localdate()
        window = self.spoiler_window_days
        if window is None:
            window = settings.SPOILER_WINDOW_DAYS
        if today < self.release_date + timedelta(days=window):
            return 0
        if self.relaxed_tolerance_id is not None:
            return self.relaxed_tolerance.rank
        return settings.SPOILER_RELAXED_RANK

    def default_tolerance_changes_at(self):
        """When ``default_tolerance_rank`` next changes by the clock (the spoiler window
        ends, at local midnight), or None."""
        if self.release_date is None:
            return None
        window = self.spoiler_window_days
        if window is None:
            window = settings.SPOILER_WINDOW_DAYS
        ends = self.release_date + timedelta(days=window)
        if timezone.localdate() >= ends:
            return None
        return timezone.make_aware(datetime.combine(ends, time.min))

    def credits_for(self, role):
        """Credits of one role; uses prefetched ``credits`` when present."""
        return [credit for credit in self.credits.all() if credit.role == role]

    @property
    def directors(self):
        return self.credits_for(Credit.Role.DIRECTOR)

    @property
    def writers(self):
        return self.credits_for(Credit.Role.WRITER)

    @property
    def authors(self):
        return self.credits_for(Credit.Role.AUTHOR)

    @property
    def creators(self):
        return self.credits_for(Credit.Role.CREATOR)

    @property
    def cast(self):
        return self.credits_for(Credit.Role.CAST)


class WorkPart(models.Model):
    """A chapter, episode or act, in order: the unit of a reader's progress."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="parts")
    label = models.CharField(max_length=120, help_text="As readers know it: “Episode 3”.")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(fields=["work", "position"], name="unique_part_position"),
        ]

    def __str__(self):
        return f"{self.work.title}: {self.label}"


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        WRITER = "writer", "Writer"
        CREATOR = "creator", "Creator"
        AUTHOR = "author", "Author"
        CAST = "cast", "Cast"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(max_length=10, choices=Role)
    character_name = models.CharField(max_length=120, blank=True, help_text="Cast only.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["work", "role", "order", "id"]

    def __str__(self):
        if self.character_name:
            return f"{self.person} as {self.character_name}"
        return f"{self.person} ({self.get_role_display()})"
