"""Reads of schemes, pairings and coverage, always scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from shiliu.accounts.models import RoleCode
from shiliu.orgs.models import Kind, Level, OrgUnit
from shiliu.pairings.models import MatchRun, Pairing, PairingStatus, Scheme
from shiliu.people.models import Household, Official

PAIRING_SORTS = {"household": "household__code", "official": "official__code", "distance": "distance_km"}


def ancestor_paths(path: str) -> list[str]:
    """The materialized paths of a unit and of every unit above it."""
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def office_units(actor) -> list[OrgUnit]:
    """The org units where the actor runs the programme office, outermost first."""
    if actor is None or not actor.is_authenticated:
        return []
    units = [r.org_unit for r in actor._roles() if r.role == RoleCode.OFFICE]
    return sorted(units, key=lambda u: (u.depth, u.path))


def is_office_for(actor, org: OrgUnit) -> bool:
    return any(org.path.startswith(u.path) for u in office_units(actor))


def schemes_for(*, actor, org: OrgUnit | None = None, active: bool | None = True) -> QuerySet[Scheme]:
    """Schemes in the actor's tree scope, plus the schemes of units above it that reach into it.

    With ``org``, the schemes that apply to that unit: its own, its ancestors' and its descendants'.
    """
    paths = actor.scope_paths(personal=False) if actor is not None and actor.is_authenticated else []
    if not paths:
        return Scheme.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(org_unit__path__startswith=path) | Q(org_unit__path__in=ancestor_paths(path))
    qs = Scheme.objects.filter(condition)
    if org is not None:
        qs = qs.filter(Q(org_unit__path__in=ancestor_paths(org.path)) | Q(org_unit__path__startswith=org.path))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("org_unit").order_by("org_unit__path", "pk")


def scheme_get(*, actor, pk) -> Scheme:
    scheme = schemes_for(actor=actor, active=None).filter(pk=pk).first() if str(pk).isdigit() else None
    if scheme is None:
        raise Http404("未找到")
    return scheme


def default_scheme(*, actor, org: OrgUnit) -> Scheme | None:
    """The scheme nearest above (or at) ``org``, the one its households are paired under."""
    return (
        schemes_for(actor=actor, org=org)
        .filter(org_unit__path__in=ancestor_paths(org.path))
        .order_by("-org_unit__depth", "pk")
        .first()
    )


def pairings_for(
    *,
    actor,
    org: OrgUnit | None = None,
    scheme: Scheme | None = None,
    status: str = "",
    official: Official | None = None,
    q: str = "",
) -> QuerySet[Pairing]:
    qs = Pairing.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(household__village__path__startswith=org.path)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    if status:
        qs = qs.filter(status=status)
    if official is not None:
        qs = qs.filter(official=official)
    if q:
        qs = qs.filter(Q(household__code__startswith=q) | Q(household__head_name__contains=q))
    return qs.select_related("household__village", "official__unit", "scheme")


def proposals_in(*, org: OrgUnit, scheme: Scheme) -> QuerySet[Pairing]:
    """Every proposal under ``org``, for aggregates only (totals per township): the caller has
    checked ``org`` is in the actor's tree scope; rows must not be shown from this queryset."""
    return Pairing.objects.filter(
        scheme=scheme, status=PairingStatus.PROPOSED, household__village__path__startswith=org.path
    )


def my_pairings(actor) -> QuerySet[Pairing]:
    """The official's own families ("我的结对家庭"): active pairings of the official linked to the user."""
    if actor is None or not actor.is_authenticated or actor.official_id is None:
        return Pairing.objects.none()
    return (
        Pairing.objects.filter(official_id=actor.official_id, status=PairingStatus.ACTIVE)
        .select_related("household__village__parent", "scheme")
        .order_by("household__village__path", "household__code")
    )


def my_households(actor) -> QuerySet[Household]:
    """The households the actor's official is actively paired with, for their own pages."""
    if actor is None or not actor.is_authenticated or actor.official_id is None:
        return Household.objects.none()
    mine = Pairing.objects.filter(household=OuterRef("pk"), official_id=actor.official_id, status=PairingStatus.ACTIVE)
    return Household.objects.filter(Exists(mine))


def household_history(*, actor, household: Household) -> QuerySet[Pairing]:
    """Every pairing the household has had, newest first; proposals are not history."""
    return (
        pairings_for(actor=actor)
        .filter(household=household)
        .exclude(status=PairingStatus.PROPOSED)
        .order_by("-started_on", "-pk")
    )


def household_search(*, actor, org: OrgUnit | None, q: str, limit: int = 20) -> list[tuple[Household, list[Pairing]]]:
    """Households matching ``q`` with their active pairings: "who is this family's official?"."""
    qs = Household.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(village__path__startswith=org.path)
    households = list(
        qs.filter(Q(code__startswith=q) | Q(head_name__contains=q)).select_related("village").order_by("code")[:limit]
    )
    active: dict[int, list[Pairing]] = {}
    for p in Pairing.objects.filter(household__in=households, status=PairingStatus.ACTIVE).select_related(
        "official__unit", "scheme"
    ):
        active.setdefault(p.household_id, []).append(p)
    return [(h, active.get(h.pk, [])) for h in households]


def match_runs_for(*, actor, org: OrgUnit | None = None, scheme: Scheme | None = None) -> QuerySet[MatchRun]:
    qs = MatchRun.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(org_unit=org)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return qs.select_related("scheme", "org_unit").order_by("-created_at", "-pk")


# -- coverage ------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    unit: OrgUnit | None
    households: int = 0
    consenting: int = 0
    paired: int = 0
    proposed: int = 0
    officials: int = 0
    officials_without_household: int = 0
    officials_at_capacity: int = 0
    children: list = field(default_factory=list)

    @property
    def coverage_pct(self) -> float | None:
        return round(100 * self.paired / self.consenting, 1) if self.consenting else None

    @property
    def unpaired(self) -> int:
        return max(self.consenting - self.paired, 0)

    def add(self, other: CoverageRow) -> None:
        for name in (
            "households",
            "consenting",
            "paired",
            "proposed",
            "officials",
            "officials_without_household",
            "officials_at_capacity",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "code": self.unit.code if self.unit else "",
            "name": self.unit.name if self.unit else "",
            "level": self.unit.level if self.unit else "",
            "households": self.households,
            "consenting": self.consenting,
            "paired": self.paired,
            "proposed": self.proposed,
            "coverage_pct": self.coverage_pct,
            "officials": self.officials,
            "officials_without_household": self.officials_without_household,
            "officials_at_capacity": self.officials_at_capacity,
        }


def coverage(*, org: OrgUnit, scheme: Scheme | None = None) -> CoverageRow:
    """Coverage of ``org``'s subtree, with one row per child area (or unit) under it.

    Aggregates only, so it is read with the tree scope (the caller checked ``org`` is in it).
    Paired means an active pairing under ``scheme`` (any scheme when None); at capacity means
    as many active households as the official's capacity, capped by the scheme's N.
    """
    children = list(OrgUnit.objects.filter(parent=org, kind=Kind.AREA).order_by("path"))
    child_depth = org.depth + 1
    total = CoverageRow(unit=org)
    rows = {c.path: CoverageRow(unit=c) for c in children}
    # Officials of units that sit directly under ``org`` (its agencies, departments, schools).
    own_units = CoverageRow(unit=None)

    def row_for(path: str) -> CoverageRow | None:
        if not path:
            return None
        codes = path.strip("/").split("/")
        return rows.get("/" + "/".join(codes[:child_depth]) + "/", own_units)

    active = Pairing.objects.filter(status=PairingStatus.ACTIVE)
    proposed = Pairing.objects.filter(status=PairingStatus.PROPOSED)
    if scheme is not None:
        active, proposed = active.filter(scheme=scheme), proposed.filter(scheme=scheme)
    village_paths = dict(
        OrgUnit.objects.filter(path__startswith=org.path, level=Level.VILLAGE, kind=Kind.AREA).values_list("id", "path")
    )
    # Driven from the subtree's households and officials, each looking its pairings up by index.
    has_active = Exists(active.filter(household=OuterRef("pk")))
    has_proposal = Exists(proposed.filter(household=OuterRef("pk")))
    households = (
        Household.objects.filter(village__path__startswith=org.path)
        .values("village_id")
        .annotate(
            n=Count("id"),
            consenting=Count("id", filter=Q(consent_given_on__isnull=False, consent_withdrawn_on__isnull=True)),
            paired=Count("id", filter=has_active),
            proposed=Count("id", filter=has_proposal),
        )
    )
    for item in households:
        row = row_for(village_paths.get(item["village_id"], ""))
        for target in filter(None, (row, total)):
            target.households += item["n"]
            target.consenting += item["consenting"]
            target.paired += item["paired"]
            target.proposed += item["proposed"]

    unit_paths = dict(OrgUnit.objects.filter(path__startswith=org.path).values_list("id", "path"))
    load = active.filter(official=OuterRef("pk")).order_by().values("official").annotate(n=Count("id")).values("n")
    officials = (
        Official.objects.filter(unit__path__startswith=org.path, active=True)
        .annotate(load=Subquery(load))
        .values_list("id", "unit_id", "capacity", "load")
    )
    n_max = scheme.capacity_per_official if scheme is not None else None
    for _official_id, unit_id, capacity, load in officials.iterator(chunk_size=5000):
        row = row_for(unit_paths.get(unit_id, ""))
        load = load or 0
        cap = min(capacity, n_max) if n_max is not None else capacity
        for target in filter(None, (row, total)):
            target.officials += 1
            target.officials_without_household += load == 0
            target.officials_at_capacity += load >= cap
    total.children = [rows[c.path] for c in children]
    if own_units.officials:
        total.children.append(own_units)
    return total
