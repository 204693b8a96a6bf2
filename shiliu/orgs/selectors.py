"""Reads of the org tree, always scoped to the actor."""

from django.db.models import QuerySet
from django.http import Http404

from shiliu.orgs.models import OrgUnit


def org_units_for(
    *, actor, parent: OrgUnit | None = None, level: str = "", kind: str = "", q: str = ""
) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.restrict(actor)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    return qs.order_by("path")


def org_unit_get(*, actor, code: str) -> OrgUnit:
    """One unit by code inside the actor's tree scope, else 404."""
    unit = OrgUnit.objects.restrict(actor).filter(code=code).first()
    if unit is None:
        raise Http404("未找到该组织")
    return unit


def top_units_for(*, actor) -> list[OrgUnit]:
    """The roots of the actor's scope, where the tree browser starts."""
    paths = actor.scope_paths(personal=False)
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path"))
