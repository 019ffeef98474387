from django import template

from explainers.projection import scope_held_media

register = template.Library()


@register.filter
def with_spoiler_scope(body_html, work_slug):
    """A section body with the spoiler scope on the images it holds (docs/spoiler-scope.md)."""
    return scope_held_media(body_html, work_slug)
