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
