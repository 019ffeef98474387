from django import template

from explainers.models import ReaderReport

register = template.Library()


@register.simple_tag
def open_report_count():
    return ReaderReport.objects.open().count()
