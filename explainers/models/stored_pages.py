from django.db import models


class StoredPage(models.Model):
    """An article's page, rendered when the article (or anything it shows) is saved, and
    served from here on read: the reader pays one row, not the dozen queries and the
    template work that built it.

    ``wanted`` counts changes to anything the page shows; ``built`` is the count the stored
    HTML was rendered at. Only ``built == wanted`` (and the current ``format``) is served;
    anything else is rendered again. A change bumps ``wanted`` in its own transaction, so a
    render racing with it stores HTML that is already marked out of date.
    """

    article = models.OneToOneField(
        "explainers.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stored_page",
    )
    wanted = models.PositiveBigIntegerField(default=1)
    built = models.PositiveBigIntegerField(default=0)
    format = models.CharField(
        max_length=16,
        blank=True,
        help_text="Which templates rendered it: a deploy that "
        "changes them makes every stored page out of date.",
    )
    head = models.TextField(blank=True, help_text="The <head> tags, the origin left open.")
    # JSON text, not a JSONField: PostgreSQL's jsonb reorders keys, and the page must come
    # out byte for byte the same whether it was just rendered or read back (one ETag).
    linked_data = models.TextField(default="{}", help_text="schema.org data, URLs relative.")
    body = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # The whole document a reader gets (the <head> tags left open), with its related
    # reading and default shield level as they were when it was stored: served while
    # ``document_built`` is the current ``built`` and the clock has not reached
    # ``valid_until`` (a related explainer going live, the work's spoiler window ending).
    document = models.TextField(blank=True)
    document_built = models.PositiveBigIntegerField(default=0)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "stored article page"

    def __str__(self):
        return f"Page of article {self.article_id}"

    def is_current(self, page_format):
        return self.built == self.wanted and self.format == page_format

    def document_is_current(self, page_format, now):
        return (
            bool(self.document)
            and self.is_current(page_format)
            and self.document_built == self.built
            and (self.valid_until is None or now < self.valid_until)
        )
