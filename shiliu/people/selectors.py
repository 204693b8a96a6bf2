"""Reads of officials and households, always scoped to the actor."""

from django.db.models import Q, QuerySet

from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official

# The default order follows the org tree (village by village, then code), and it is the fast
# one on PostgreSQL: the planner walks the org units in path order from where the subtree
# starts (see ``_from_subtree``) and fetches each unit's rows by index. ``ORDER BY code LIMIT
# 50`` over a county late in the code order scans most of the code index before a row is in scope.
HOUSEHOLD_SORTS = {
    "village": ("village__path", "code"),
    "code": "code",
    "head_name": "head_name",
    "members": "members",
    "livelihood": "livelihood",
}
HOUSEHOLD_DEFAULT_SORT = "village"
OFFICIAL_SORTS = {"unit": ("unit__path", "code"), "code": "code", "name": "name", "capacity": "capacity"}
OFFICIAL_DEFAULT_SORT = "unit"


def _from_subtree(qs: QuerySet, path_field: str, actor, org: OrgUnit | None) -> QuerySet:
    """Add ``path >= <first path in view>``: redundant with the prefix match, but an index range.

    A prefix match (LIKE 'p%') on a column with a non-C collation is only a filter on the path
    index, so an ordered walk of the tree would read every unit before the subtree; a ``>=``
    bound lets it start there. Every string starting with p sorts at or after p, so no row is lost.
    """
    paths = [org.path] if org is not None else actor.scope_paths(personal=True)
    return qs.filter(**{f"{path_field}__gte": min(paths)}) if paths else qs


def households_for(*, actor, org: OrgUnit | None = None, q: str = "") -> QuerySet[Household]:
    qs = Household.objects.restrict(actor, within=org.path if org is not None else None)
    if not actor.is_authenticated:
        return qs
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(head_name__contains=q))
    return _from_subtree(qs, "village__path", actor, org).select_related("village")


def officials_for(*, actor, org: OrgUnit | None = None, q: str = "", active: bool | None = None) -> QuerySet[Official]:
    qs = Official.objects.restrict(actor, within=org.path if org is not None else None)
    if not actor.is_authenticated:
        return qs
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    if active is not None:
        qs = qs.filter(active=active)
    return _from_subtree(qs, "unit__path", actor, org).select_related("unit")
