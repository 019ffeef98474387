from django.db import models


class SlugRedirectQuerySet(models.QuerySet):
    def live_target(self, old_slug):
        """The published article an old address leads to, or None: a redirect never
        leads to (or tells of) an article readers cannot see, and an address that an
        article holds now is that article's, whatever redirect still names it."""
        from .articles import Article

        found = (
            self.filter(old_slug=old_slug, article__in=Article.objects.published().order_by())
            .exclude(old_slug__in=Article.objects.order_by().values("slug"))
            .select_related("article")
            .only("article__slug")
            .first()
        )
        return found.article if found else None


class SlugRedirect(models.Model):
    """An address a published article was once read at, kept when its slug changes so that
    links and search results still reach it (with a permanent redirect). Each names the
    article itself, never its next slug, so renaming a→b→c sends a straight to c."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(
        "explainers.Article", on_delete=models.CASCADE, related_name="slug_redirects"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlugRedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.article_id}"
