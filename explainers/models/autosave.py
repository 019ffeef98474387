from django.conf import settings
from django.db import models
from django.db.models import Q


class ArticleAutosave(models.Model):
    """What one editor's change form held, unsaved, a few seconds after their last
    change: the form's fields as posted (name and value pairs, the inline rows
    included), kept until they save the article for real or discard it.

    One per editor and article, and one per editor for an article not yet added. Never
    a revision, never read by anyone else, never applied to the article by the server:
    restoring puts it back into the editor's own form, and the save goes the usual way.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_autosaves"
    )
    article = models.ForeignKey(
        "explainers.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="autosaves",
        help_text="Empty for the add form: an article not saved yet.",
    )
    data = models.JSONField(
        default=list, help_text="The form's fields as [name, value] pairs, in form order."
    )
    labels = models.JSONField(
        default=dict,
        blank=True,
        help_text="What a chosen id reads as in the form (a work's title), to restore "
        "an autocomplete's choice by name.",
    )
    opened_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The article's version the form was opened at."
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="one_autosave_per_editor_and_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(article__isnull=True),
                name="one_new_article_autosave_per_editor",
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.article or 'a new article'} by {self.user}"
