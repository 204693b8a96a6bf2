"""Scoping in one place.

Every scoped model's manager is built from ``ScopedQuerySet``; ``.restrict(user)`` keeps the
rows inside the subtrees of the user's org units (materialized path prefix). Pages, the API and
exports all go through it, so an object outside scope is a 404 everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from shiliu.accounts.models import User


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which path field places each row in the org tree.

    ``scope_path`` names the materialized path lookup (``"path"`` on OrgUnit,
    ``"village__path"`` on Household). ``personal`` marks personal data, which the
    separated administrator roles never read.
    """

    scope_path: str = "path"
    personal: bool = False

    def restrict(self, user: User | None, *, within: str | None = None) -> ScopedQuerySet:
        """Rows in the user's scope; with ``within`` (a path), only those in that subtree too.

        When ``within`` lies inside the scope, the one prefix match on it says both, which keeps
        the planner's row estimates right (two overlapping LIKEs make it guess one row).
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        paths = user.scope_paths(personal=self.personal)
        if within is not None:
            if any(within.startswith(p) for p in paths):
                return self.filter(**{f"{self.scope_path}__startswith": within})
            paths = [p for p in paths if p.startswith(within)]
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{self.scope_path}__startswith": path})
        return self.filter(condition)


def scoped_manager(path: str, *, personal: bool):
    """Build a manager whose queryset restricts on ``path``."""
    qs_class = type("ScopedQuerySet", (ScopedQuerySet,), {"scope_path": path, "personal": personal})
    return models.Manager.from_queryset(qs_class)()


def get_scoped_or_404(queryset: ScopedQuerySet, user: User | None, **lookup):
    """Fetch one object inside the user's scope; outside scope is the same 404 as missing."""
    try:
        return queryset.restrict(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到") from exc


def ensure_in_scope(user: User, obj: models.Model) -> None:
    """Raise OutOfScope unless ``obj`` is visible to ``user``."""
    from shiliu.core.errors import OutOfScope

    manager = type(obj)._default_manager
    if not manager.all().restrict(user).filter(pk=obj.pk).exists():
        raise OutOfScope()
