"""Domain errors: raised by services, turned into form errors or 4xx by views and the API."""


class DomainError(Exception):
    """A rule of the programme was broken; the message is shown to the user as is."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class OutOfScope(DomainError):
    """The object exists but is outside the actor's org units; shown as a 404."""

    def __init__(self, message: str = "未找到"):
        super().__init__(message, code="not_found")
