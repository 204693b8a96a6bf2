from ninja import Router, Schema, Status

from shiliu.accounts.services import LoginFailed, api_token_create, auth_attempt

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    detail: str


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut})
def token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token. Failures count towards the lockout."""
    try:
        user = auth_attempt(username=payload.username, password=payload.password)
    except LoginFailed as exc:
        return Status(401, {"detail": exc.message})
    return Status(200, {"token": api_token_create(user=user)})
