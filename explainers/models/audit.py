from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One editorial act, kept for good: who did what to which article, when, and why.

    Actions are namespaced (``explainers.article.published``) so a log of one kind can be
    filtered without parsing prose. Entries outlive the accounts and articles they name.
    """

    action = models.CharField(max_length=80, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system (a scheduled publication coming due) or a deleted account.",
    )
    article = models.ForeignKey(
        "explainers.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    subject = models.CharField(
        max_length=300, help_text="What was acted on, as it was called at the time."
    )
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.action} · {self.subject}"

    @classmethod
    def record(cls, action, *, actor, subject, article=None, comment="", **data):
        if actor is not None and not actor.is_authenticated:
            actor = None
        return cls.objects.create(
            action=action,
            actor=actor,
            article=article,
            subject=str(subject)[:300],
            comment=(comment or "").strip(),
            data=data,
        )

    @property
    def verb(self):
        """The last part of the action, for people: ``published``."""
        return self.action.rsplit(".", 1)[-1].replace("_", " ")
