"""Writes to the org tree."""

from django.db import transaction

from shiliu.core.audit import audit
from shiliu.core.errors import DomainError
from shiliu.core.scoping import ensure_in_scope
from shiliu.orgs.models import LEVEL_ORDER, Kind, OrgUnit


@transaction.atomic
def org_unit_create(
    *,
    actor,
    code: str,
    name: str,
    level: str,
    parent: OrgUnit | None,
    kind: str = Kind.AREA,
    latitude: float | None = None,
    longitude: float | None = None,
) -> OrgUnit:
    """Add a unit under ``parent``; areas must sit one level below their parent area."""
    if parent is not None and actor is not None:
        ensure_in_scope(actor, parent)
    if (
        kind == Kind.AREA
        and parent is not None
        and (parent.kind != Kind.AREA or LEVEL_ORDER.index(level) != LEVEL_ORDER.index(parent.level) + 1)
    ):
        raise DomainError("行政区域必须位于上一级行政区域之下")
    if kind != Kind.AREA and (parent is None or level != parent.level):
        raise DomainError("单位的层级必须与所属区域一致")
    unit = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent, latitude=latitude, longitude=longitude)
    unit.path = unit.compute_path()
    unit.depth = unit.path.count("/") - 1
    unit.full_clean()
    unit.save()
    audit(actor, "org_unit.create", unit)
    return unit
