"""``/__floor__/`` returns the article page's HTML (the file FLOOR_HTML, read once per
worker) with no template and no database, through the same middleware and server as the
real page: the gap between the two is what our own code costs per request."""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from editorial.urls import urlpatterns as site

_PAGE = Path(os.environ["FLOOR_HTML"]).read_bytes()


def floor(request):
    return HttpResponse(_PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("__floor__/", floor), *site]
