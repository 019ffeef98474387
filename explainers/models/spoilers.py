from django.db import models


class SpoilerLevelQuerySet(models.QuerySet):
    def spoiler_free(self):
        return self.get(rank=0)


class SpoilerLevel(models.Model):
    """One rung of the spoiler ladder. Rank 0 is spoiler-free; higher ranks reveal more."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True,
        help_text="Position on the ladder. 0 means spoiler-free: safe for titles, "
        "listings, feeds and previews. Each higher rank reveals more of the story.",
    )
    reader_warning = models.CharField(
        max_length=240,
        blank=True,
        help_text="Shown to readers on a collapsed section of this level, before they "
        "choose to reveal it, e.g. “Reveals the mid-film twist.”",
    )
    editor_guidance = models.TextField(
        blank=True,
        help_text="What belongs at this level, for editors choosing a section's level.",
    )

    objects = SpoilerLevelQuerySet.as_manager()

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name

    @property
    def is_spoiler(self):
        return self.rank > 0


class ContentWarning(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=240, blank=True)
    is_spoiler = models.BooleanField(
        default=False,
        help_text="Tick when naming this warning would itself give away the plot. "
        "Readers then see only a count until they ask to see it.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
