import re

from django.conf import settings
from django.core.exceptions import ValidationError
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


class SpoilerTermQuerySet(models.QuerySet):
    def for_work(self, work):
        """The terms that apply to ``work``: its own and the global ones."""
        scope = models.Q(work__isnull=True)
        if work is not None:
            scope |= models.Q(work=work)
        return self.filter(scope).select_related("spoiler_level")


class SpoilerTerm(models.Model):
    """A phrase that gives the story away below a given level.

    The leak check (``explainers.leaks``) looks for it, case- and accent-insensitively
    and as whole words, in every place an article shows below that level: written word
    for word, and also reworded (other forms of its words, its words moved or apart, the
    passive, the characters' other names, the words of its ``WordFamily``s).
    """

    phrase = models.CharField(
        max_length=200,
        help_text="Words that give something away, e.g. “cuts off her hand”. Case and "
        "accents do not matter; only whole words match (“hand” does not match “handle”). "
        "It is also found reworded: other forms of its words (cut, cutting), its words "
        "moved or apart (“cuts her hand off”), the characters' other names, and the words "
        "of its word families (“amputates her hand”).",
    )
    variants = models.TextField(
        blank=True,
        help_text="Other wordings that should count too, one per line or separated by "
        "commas. Other forms of the same words (plurals, tenses) need no variant: they "
        "are matched anyway.",
    )
    work = models.ForeignKey(
        "explainers.Work",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="spoiler_terms",
        help_text="Leave empty for a term that spoils whatever the article is about.",
    )
    spoiler_level = models.ForeignKey(
        SpoilerLevel,
        on_delete=models.PROTECT,
        related_name="spoiler_terms",
        limit_choices_to={"rank__gt": 0},
        help_text="The first level at which the phrase may appear. Anywhere shown below "
        "it (title, dek, slug, safe headings, lower sections, image text) it is a leak.",
    )
    notes = models.TextField(blank=True, help_text="For moderators: why this is a spoiler.")

    objects = SpoilerTermQuerySet.as_manager()

    class Meta:
        ordering = ["phrase", "id"]

    def __str__(self):
        return self.phrase

    def clean(self):
        if not any(character.isalnum() for character in self.phrase):
            raise ValidationError({"phrase": "A spoiler term needs at least one word."})
        if self.spoiler_level_id and self.spoiler_level.rank == 0:
            raise ValidationError(
                {"spoiler_level": "A spoiler-free phrase cannot leak; pick Setup or above."}
            )

    def variant_list(self):
        """The variants as a list: split on newlines and commas, blanks dropped."""
        return [variant.strip() for variant in re.split(r"[\n,]", self.variants) if variant.strip()]

    @property
    def phrases(self):
        return [self.phrase.strip(), *self.variant_list()]


class WordFamily(models.Model):
    """Words and phrases that say the same thing, for the leak check: a spoiler term
    written with one of them ("Paloma is killed") also matches a text written with
    another ("Paloma is murdered", "Paloma dies"). Each entry matches all its forms
    (killed, kills, killing), so only one form needs writing. Moderators extend them."""

    class Category(models.TextChoices):
        DEATH = "death", "Deaths"
        INJURY = "injury", "Injuries"
        BETRAYAL = "betrayal", "Betrayals"
        IDENTITY = "identity", "Hidden identities"
        DECEPTION = "deception", "Deceptions"
        CULPRIT = "culprit", "Who did it"
        OTHER = "other", "Other"

    name = models.CharField(
        max_length=80, unique=True, help_text="A short label for moderators, e.g. “killing”."
    )
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    words = models.TextField(
        help_text="Words or phrases meaning the same thing, one per line or separated by "
        "commas: “kill, murder, die, pass away, does not survive”. One form of each is "
        "enough (“kill” also matches “killed” and “killing”). A phrase of several words "
        "matches them in that order with a few words between (“sell out” matches “sells "
        "her partner out”)."
    )
    notes = models.TextField(blank=True, help_text="For moderators: what the family covers.")

    class Meta:
        ordering = ["category", "name"]
        verbose_name = "word family"
        verbose_name_plural = "word families"

    def __str__(self):
        return self.name

    def word_list(self):
        """The entries as a list: split on newlines and commas, blanks dropped."""
        return [word.strip() for word in re.split(r"[\n,]", self.words) if word.strip()]

    def clean(self):
        if len([word for word in self.word_list() if any(c.isalnum() for c in word)]) < 2:
            raise ValidationError(
                {"words": "A family needs at least two words or phrases that mean the same."}
            )


class LeakOverride(models.Model):
    """A moderator's decision to publish although the leak check found leaks."""

    article = models.ForeignKey(
        "explainers.Article", on_delete=models.CASCADE, related_name="leak_overrides"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="leak_overrides",
        help_text="Kept empty if the account is later deleted; the record stays.",
    )
    reason = models.TextField()
    leaks = models.TextField(help_text="The leaks as the check reported them, one per line.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "leak-check override"
        permissions = [
            ("override_leak_check", "Can publish an article over leaks found by the leak check"),
        ]

    def __str__(self):
        return f"Override on “{self.article}” by {self.user or 'a deleted user'}"

    @classmethod
    def record(cls, *, article, user, reason, leaks):
        """Keep the override with a snapshot of the leaks (their messages) it overrode."""
        return cls.objects.create(
            article=article, user=user, reason=reason.strip(), leaks="\n".join(leaks)
        )


class DismissedSuggestion(models.Model):
    """An editor's "this is fine": a suggested sentence that should not come up again
    for this article (the leak check's suggestions never block; leaks are not dismissable)."""

    article = models.ForeignKey(
        "explainers.Article", on_delete=models.CASCADE, related_name="dismissed_suggestions"
    )
    snippet = models.CharField(max_length=300)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "snippet"], name="unique_dismissal"),
        ]

    def __str__(self):
        return self.snippet
