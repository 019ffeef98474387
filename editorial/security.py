"""Response headers Django's SecurityMiddleware does not set: the Content Security Policy
and the Permissions Policy, on every response (pages, admin, errors, static files served
through Django). And a request carrying a NUL byte is refused before any view reads it."""

from django.conf import settings
from django.core.exceptions import BadRequest


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RejectNulBytesMiddleware:
    """400 for a NUL byte in the path or a query parameter: nothing the site names or
    looks up can hold one, and PostgreSQL refuses it in any string it is asked to compare
    (a 500 for ``/search/?q=x&work=%00``). Forms refuse it in posted fields on their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            raise BadRequest("A NUL character is not allowed in a URL.")
        return self.get_response(request)
