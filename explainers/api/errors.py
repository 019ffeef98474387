"""Errors as JSON: every refusal the API gives names what was wrong (and the query
parameter at fault) in one shape, ``{"status", "error", "message", "parameter"}``.
Django's own error views answer that way too for any address under /api/ (an unknown
path, a NUL byte the middleware refuses, a server error)."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


class InvalidParameter(Exception):
    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def json_error(status, error, message, parameter=None):
    body = {"status": status, "error": error, "message": message, "parameter": parameter}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def invalid_parameter(request, exc):
    return json_error(400, "invalid_parameter", exc.message, exc.parameter)


def validation_error(request, exc):
    """ninja's check of the declared parameters (types, ranges), as one clear 400."""
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("query", "path"):
            parameter = location[-1] if len(location) > 1 else None
            message = error.get("msg", "is not valid")
            value = error.get("input")
            shown = f" (got {value!r})" if isinstance(value, str) and len(value) <= 60 else ""
            return json_error(
                400, "invalid_parameter", f"{parameter}: {message}{shown}.", parameter
            )
    return json_error(400, "invalid_request", "The request was not understood.")


def not_found(request, exc):
    message = str(exc) if exc.args and str(exc) else "Nothing here."
    return json_error(404, "not_found", message)


def http_error(request, exc):
    return json_error(exc.status_code, "unavailable", str(exc))


def install(api):
    from django.http import Http404
    from ninja.errors import HttpError, ValidationError

    api.add_exception_handler(InvalidParameter, invalid_parameter)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)


# -- Django's error views (editorial/urls.py): JSON under /api/, the site's pages elsewhere --


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return json_error(400, "bad_request", "This address was not understood.")
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return json_error(
            404, "not_found", "No such endpoint: the documentation is at /api/v1/docs."
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return json_error(500, "server_error", "Something went wrong on our side.")
    return defaults.server_error(request)
