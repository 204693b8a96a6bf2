"""Reads of officials and households, always scoped to the actor."""

from django.db.models import Q, QuerySet

from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official

HOUSEHOLD_SORTS = {
    "code": "code",
    "head_name": "head_name",
    "village": "village__path",
    "members": "members",
    "livelihood": "livelihood",
}
OFFICIAL_SORTS = {"code": "code", "name": "name", "unit": "unit__path", "capacity": "capacity"}


def households_for(*, actor, org: OrgUnit | None = None, q: str = "") -> QuerySet[Household]:
    qs = Household.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(village__path__startswith=org.path)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(head_name__contains=q))
    return qs.select_related("village")


def officials_for(*, actor, org: OrgUnit | None = None, q: str = "", active: bool | None = None) -> QuerySet[Official]:
    qs = Official.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(unit__path__startswith=org.path)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("unit")
