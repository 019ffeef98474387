from django import template

from explainers.admin import desk as newsroom_desk

register = template.Library()


@register.simple_tag(takes_context=True)
def newsroom_desk_for(context):
    """The desk (``explainers.admin.desk``) for the signed-in user, or None."""
    request = context.get("request")
    if request is None:
        return None
    return newsroom_desk.build(request.user, request.GET)
