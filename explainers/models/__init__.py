from .articles import Article, ArticleQuerySet, Citation, RenderReport, Section, Source
from .images import Image
from .spoilers import ContentWarning, SpoilerLevel
from .works import Credit, Person, Work, WorkPart

__all__ = [
    "Article",
    "ArticleQuerySet",
    "Citation",
    "ContentWarning",
    "Credit",
    "Image",
    "Person",
    "RenderReport",
    "Section",
    "Source",
    "SpoilerLevel",
    "Work",
    "WorkPart",
]
