from .articles import Article, ArticleQuerySet, Citation, RenderReport, Section, Source
from .audit import AuditEntry
from .autosave import ArticleAutosave
from .images import Image, Picture, Rendition
from .redirects import SlugRedirect
from .reports import ReaderReport
from .spoilers import (
    ContentWarning,
    DismissedSuggestion,
    LeakOverride,
    SpoilerLevel,
    SpoilerTerm,
    WordFamily,
)
from .stored_pages import StoredPage
from .works import Credit, Person, Work, WorkPart

__all__ = [
    "Article",
    "ArticleAutosave",
    "AuditEntry",
    "ArticleQuerySet",
    "Citation",
    "ContentWarning",
    "Credit",
    "DismissedSuggestion",
    "Image",
    "Picture",
    "Rendition",
    "LeakOverride",
    "Person",
    "ReaderReport",
    "RenderReport",
    "Section",
    "SlugRedirect",
    "Source",
    "SpoilerLevel",
    "SpoilerTerm",
    "StoredPage",
    "Work",
    "WordFamily",
    "WorkPart",
]
