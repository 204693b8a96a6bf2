"""The current request, so services can stamp security events with the caller's IP."""

from contextvars import ContextVar

current_request: ContextVar = ContextVar("shiliu_current_request", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def client_ip(request) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


class ChineseByDefaultMiddleware:
    """Simplified Chinese unless the user picked another language in the header menu.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a county office's
    machine set to English must still get the Chinese UI the programme works in. The choice
    made with the language menu (a cookie) is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
