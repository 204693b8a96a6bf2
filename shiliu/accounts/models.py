"""Accounts, the roles they hold in org units, and API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    """Roles, held in an org unit. The three administrators are separated (GB/T 22239 三员分立)."""

    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    OFFICE = "office", _("创建办")
    COORDINATOR = "coordinator", _("单位联络员")
    OFFICIAL = "official", _("公职人员")
    CLERK = "clerk", _("部门办理员")
    REVIEWER = "reviewer", _("评审员")
    FACILITATOR = "facilitator", _("育籽员")


ADMIN_ROLES = {RoleCode.SYSTEM_ADMIN, RoleCode.SECURITY_ADMIN, RoleCode.AUDIT_ADMIN}
# Roles that read the personal records of their unit's subtree.
PERSONAL_SCOPE_ROLES = {RoleCode.OFFICE, RoleCode.COORDINATOR, RoleCode.CLERK, RoleCode.REVIEWER}
# Personal data stays with the units that serve the family (DESIGN §1): a role held at province
# or prefecture level reads the tree and aggregates, never individual officials or households.
PERSONAL_SCOPE_LEVELS = {"county", "township", "village"}


class User(AbstractUser):
    """A person who logs in. What they can see comes from their roles, never from is_staff alone."""

    official = models.OneToOneField(
        "people.Official",
        verbose_name=_("对应公职人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    failed_login_count = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def _roles(self) -> list["Role"]:
        if not hasattr(self, "_role_cache"):
            self._role_cache = list(self.roles.select_related("org_unit"))
        return self._role_cache

    def role_codes(self) -> set[str]:
        return {r.role for r in self._roles()}

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))

    def scope_paths(self, *, personal: bool) -> list[str]:
        """Materialized paths of the subtrees this user may read.

        Personal records (officials, households) are read only by the serving roles at county
        level and below; upper levels and the separated administrators see the org tree and
        aggregates, no personal data.
        """
        key = "_scope_personal" if personal else "_scope_tree"
        if not hasattr(self, key):
            paths = set()
            for r in self._roles():
                if personal and (r.role not in PERSONAL_SCOPE_ROLES or r.org_unit.level not in PERSONAL_SCOPE_LEVELS):
                    continue
                paths.add(r.org_unit.path)
            setattr(self, key, _outermost(paths))
        return getattr(self, key)

    def primary_org_code(self) -> str:
        roles = self._roles()
        return roles[0].org_unit.code if roles else ""

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


def _outermost(paths: set[str]) -> list[str]:
    """Drop paths already covered by an ancestor path."""
    result = []
    for p in sorted(paths, key=len):
        if not any(p.startswith(q) for q in result):
            result.append(p)
    return sorted(result)


class Role(models.Model):
    """A role a user holds in one org unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=16, choices=RoleCode.choices)
    org_unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org_unit"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}@{self.org_unit}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.user} ({self.expires_at:%Y-%m-%d %H:%M})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
