from ninja import Query, Router, Schema

from shiliu.core.api_pagination import Page, PageIn, page_of
from shiliu.orgs.selectors import org_unit_get, org_units_for

router = Router(tags=["org-units"])


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    path: str
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class OrgUnitFilter(PageIn):
    parent: str | None = None
    level: str | None = None
    kind: str | None = None
    q: str | None = None


@router.get("", response=Page[OrgUnitOut])
def list_org_units(request, filters: Query[OrgUnitFilter]):
    parent = org_unit_get(actor=request.user, code=filters.parent) if filters.parent else None
    qs = org_units_for(
        actor=request.user, parent=parent, level=filters.level or "", kind=filters.kind or "", q=filters.q or ""
    ).select_related("parent")
    return page_of(qs, filters)


@router.get("/{code}", response=OrgUnitOut)
def get_org_unit(request, code: str):
    return org_unit_get(actor=request.user, code=code)
