import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone


def client_fingerprint(ip_address):
    """A stable, keyed hash of the reader's address: enough to count one client's reports
    and spot a flood, never enough to recover the address (no raw IP is stored)."""
    key = f"reader-report-client:{settings.SECRET_KEY}".encode()
    return hmac.new(key, (ip_address or "").encode(), hashlib.sha256).hexdigest()


class ReaderReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ReaderReport.Status.OPEN)


class ReaderReport(models.Model):
    """A reader's "this spoiled me": filed without an account from the public article
    page, worked by moderators in the admin's queue.

    Whatever the reader typed (``details``) is kept exactly as typed and only ever shown,
    escaped, to staff in the admin; no public page displays it.
    """

    class Reason(models.TextChoices):
        UNMARKED = "unmarked", "A spoiler is not hidden"
        LEVEL_TOO_LOW = "level", "It is hidden, but marked as a milder spoiler than it is"
        HEADING = "heading", "A heading, title or summary gives something away"
        WARNING = "warning", "A content warning is missing"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(
        "explainers.Article", on_delete=models.CASCADE, related_name="reader_reports"
    )
    section = models.ForeignKey(
        "explainers.Section",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reader_reports",
        help_text="Empty when the reader reported the article as a whole (or the section "
        "was deleted since).",
    )
    reason = models.CharField(max_length=12, choices=Reason, default=Reason.UNMARKED)
    details = models.TextField(
        blank=True,
        help_text="What the reader wrote, kept as typed. Shown escaped, to staff only.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    client_fingerprint = models.CharField(
        max_length=64,
        editable=False,
        help_text="A keyed hash of the reader's address, for spotting floods; never the "
        "address itself.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(
        max_length=40,
        blank=True,
        help_text="What was done: the audit action without its namespace, e.g. “level_raised”.",
    )
    resolution_note = models.TextField(blank=True)

    objects = ReaderReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "reader report"
        permissions = [
            ("resolve_readerreport", "Can resolve and dismiss reader reports"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Report #{self.pk} on “{self.article}”"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def close(self, *, status, resolution, note, user):
        self.status = status
        self.resolution = resolution
        self.resolution_note = note
        self.resolved_by = user
        self.resolved_at = timezone.now()
        self.save(
            update_fields=[
                "status",
                "resolution",
                "resolution_note",
                "resolved_by",
                "resolved_at",
            ]
        )
