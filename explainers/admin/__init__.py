"""The newsroom's admin, one module a screen. Every registration is here, so the whole
admin can be read in one place:

- ``articles``: the article list and change form (``article_form`` holds the form, its
  sections and citations; ``article_views`` the revisions, diffs, restores, preview
  links, presence and bulk workflow actions);
- ``catalogue``: works with their cast, crew and parts, people, sources;
- ``images``: the image library;
- ``ladder``: spoiler levels, content warnings, spoiler terms, word families;
- ``reports``: the reader-report queue, its resolving actions and the dashboard;
- ``audit``: the audit log.

What a screen may change is ruled by ``explainers.permissions`` and
``explainers.workflow``; every write takes the editorial lock first (``base``).
"""

from django.contrib import admin

from ..models import (
    Article,
    AuditEntry,
    ContentWarning,
    Image,
    Person,
    ReaderReport,
    SlugRedirect,
    Source,
    SpoilerLevel,
    SpoilerTerm,
    WordFamily,
    Work,
)
from .articles import ArticleAdmin
from .audit import AuditEntryAdmin
from .catalogue import PersonAdmin, SourceAdmin, WorkAdmin
from .images import ImageAdmin
from .ladder import ContentWarningAdmin, SpoilerLevelAdmin, SpoilerTermAdmin, WordFamilyAdmin
from .redirects import SlugRedirectAdmin
from .reports import ReaderReportAdmin

admin.site.register(Article, ArticleAdmin)
admin.site.register(Source, SourceAdmin)
admin.site.register(Work, WorkAdmin)
admin.site.register(Person, PersonAdmin)
admin.site.register(Image, ImageAdmin)
admin.site.register(SpoilerLevel, SpoilerLevelAdmin)
admin.site.register(ContentWarning, ContentWarningAdmin)
admin.site.register(SpoilerTerm, SpoilerTermAdmin)
admin.site.register(WordFamily, WordFamilyAdmin)
admin.site.register(AuditEntry, AuditEntryAdmin)
admin.site.register(ReaderReport, ReaderReportAdmin)
admin.site.register(SlugRedirect, SlugRedirectAdmin)
