"""Account writes: login attempts with lockout, API tokens, users and roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shiliu.accounts.models import ApiToken, Role, User
from shiliu.core.audit import audit
from shiliu.core.errors import DomainError
from shiliu.core.models import AuditEvent


class LoginFailed(DomainError):
    pass


def login_failed_message() -> str:
    # One message for wrong password, unknown user and locked account: it must not tell them apart.
    return _("用户名或密码错误，或账户已被临时锁定（连续失败5次将锁定15分钟）。")


def auth_attempt(*, username: str, password: str) -> User:
    """Check credentials with the lockout rule; every outcome is a security event."""
    user = User.objects.filter(username=username).first()
    if user is None:
        User().set_password(password)  # spend the same time as a real check
        audit(None, "auth.login", result=AuditEvent.Result.FAILED, username=username, detail={"reason": "unknown"})
        raise LoginFailed(login_failed_message(), code="login_failed")
    if user.is_locked():
        audit(None, "auth.login", result=AuditEvent.Result.DENIED, username=username, detail={"reason": "locked"})
        raise LoginFailed(login_failed_message(), code="login_failed")
    if not (user.is_active and user.check_password(password)):
        _record_failure(user)
        raise LoginFailed(login_failed_message(), code="login_failed")
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit(user, "auth.login")
    return user


@transaction.atomic
def _record_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    count = User.objects.values_list("failed_login_count", flat=True).get(pk=user.pk)
    audit(None, "auth.login", result=AuditEvent.Result.FAILED, username=user.username, detail={"failures": count})
    if count >= settings.SHILIU_LOCKOUT_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.SHILIU_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=until)
        audit(
            None,
            "auth.lockout",
            result=AuditEvent.Result.DENIED,
            username=user.username,
            detail={"until": until.isoformat()},
        )


def api_token_create(*, user: User) -> str:
    """Issue a bearer token; the caller sees the key once, we keep its hash."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS),
    )
    audit(user, "auth.token")
    return key


def api_token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return token.user if token else None


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    roles: list[tuple[str, object]],
    full_name: str = "",
    official=None,
) -> User:
    """Create a user with roles; the password must meet the policy (no defaults exist)."""
    user = User(username=username, first_name=full_name, official=official)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    for code, org_unit in roles:
        role = Role(user=user, role=code, org_unit=org_unit)
        role.full_clean()
        role.save()
    audit(actor, "user.create", user, detail={"roles": [c for c, _o in roles]})
    return user
