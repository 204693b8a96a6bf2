"""Shared argument handling for the roster commands."""

from django.core.management.base import CommandError

from shiliu.accounts.models import User
from shiliu.orgs.models import OrgUnit
from shiliu.rosters.schema import KINDS


def add_kind(parser) -> None:
    parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="orgs | officials | households")


def acting_user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户不存在或已停用：{username}")
    return user


def org_in_scope(code: str | None, user: User) -> OrgUnit | None:
    if not code:
        return None
    org = OrgUnit.objects.restrict(user).filter(code=code).first()
    if org is None:
        raise CommandError(f"找不到组织代码，或不在 {user.username} 的管理范围内：{code}")
    return org
