"""The REST API at /api/v1/: one NinjaAPI, one router per app."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from shiliu.accounts.services import api_token_user
from shiliu.core.errors import DomainError, OutOfScope


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="shiliu 石榴 API",
    version="1",
    urls_namespace="api",
    auth=BearerAuth(),
    docs_url="/docs",
)


@api.exception_handler(OutOfScope)
@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(DomainError)
def domain_error(request, exc):
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=400)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"detail": exc.message_dict if hasattr(exc, "error_dict") else exc.messages}, status=400
    )


@api.exception_handler(NinjaValidationError)
def ninja_validation_error(request, exc):
    return api.create_response(request, {"detail": "请求参数有误", "errors": exc.errors}, status=422)


@api.exception_handler(MultiPartParserError)
def malformed_body(request, exc):
    return api.create_response(request, {"detail": "请求体格式有误（multipart 数据无法解析）"}, status=400)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


def _register():
    from shiliu.accounts.api import router as accounts_router
    from shiliu.orgs.api import router as orgs_router
    from shiliu.pairings.api import router as pairings_router
    from shiliu.people.api import router as people_router
    from shiliu.rosters.api import router as rosters_router

    api.add_router("/auth", accounts_router)
    api.add_router("/org-units", orgs_router)
    api.add_router("/", people_router)
    api.add_router("/rosters", rosters_router)
    api.add_router("/pairings", pairings_router)


_register()
