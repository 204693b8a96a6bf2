"""Reads for rosters, always scoped to the actor: what they may write, export, and their import history."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.http import Http404

from shiliu.accounts.models import PERSONAL_SCOPE_LEVELS, Role
from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Livelihood, Official
from shiliu.rosters.models import ImportRun
from shiliu.rosters.schema import KINDS, RosterKind, language_labels


def write_scope(actor, kind: RosterKind) -> list[str]:
    """Paths of the subtrees where ``actor`` may import ``kind``: their roles that may write it.

    Personal rosters (officials, households) are written only through roles at the serving
    levels (county and below), like every other handling of personal data.
    """
    if actor is None or not actor.is_active:
        return []
    roles = Role.objects.filter(user=actor, role__in=kind.write_roles)
    if kind.personal:
        roles = roles.filter(org_unit__level__in=PERSONAL_SCOPE_LEVELS)
    paths = sorted(set(roles.values_list("org_unit__path", flat=True)), key=len)
    outermost: list[str] = []
    for path in paths:
        if not any(path.startswith(p) for p in outermost):
            outermost.append(path)
    return sorted(outermost)


def ethnicity_in_export(actor) -> bool:
    """Ethnicity is sensitive: it leaves the system only for the serving levels, the ones with a
    personal scope (see ``User.scope_paths``). Without the column a re-import keeps what is stored."""
    return bool(actor.scope_paths(personal=True))


def importable_kinds(actor) -> list[RosterKind]:
    return [k for k in KINDS.values() if write_scope(actor, k)]


def import_runs_for(*, actor) -> QuerySet[ImportRun]:
    """The runs the actor made, and those made for org units inside the actor's (personal) scope."""
    condition = Q(user=actor)
    for path in actor.scope_paths(personal=True):
        condition |= Q(org__path__startswith=path)
    return ImportRun.objects.filter(condition).select_related("user", "org").order_by("-created_at", "-pk")


def import_run_get(*, actor, pk: int) -> ImportRun:
    run = import_runs_for(actor=actor).filter(pk=pk).first()
    if run is None:
        raise Http404("未找到")
    return run


def export_queryset(*, actor, kind: RosterKind, org: OrgUnit | None = None) -> QuerySet:
    """The rows ``actor`` may export, in the template's column order (values, not objects)."""
    if kind.key == "orgs":
        qs = OrgUnit.objects.restrict(actor)
        if org is not None:
            qs = qs.filter(path__startswith=org.path)
        return qs.order_by("path").values_list("code", "name", "level", "kind", "parent__code", "latitude", "longitude")
    if kind.key == "officials":
        qs = Official.objects.restrict(actor)
        if org is not None:
            qs = qs.filter(unit__path__startswith=org.path)
        return qs.order_by("unit__path", "code").values_list(
            "code", "name", "phone", "unit__code", "languages", "capacity", "active"
        )
    qs = Household.objects.restrict(actor)
    if org is not None:
        qs = qs.filter(village__path__startswith=org.path)
    return qs.order_by("village__path", "code").values_list(
        "code",
        "head_name",
        "head_id_number",
        "village__code",
        "members",
        "languages",
        "phone",
        "ethnicity",
        "livelihood",
        "consent_given_on",
        "consent_notice_version",
        "consent_withdrawn_on",
    )


def export_headers(*, actor, kind: RosterKind) -> list[str]:
    if kind.key == "households" and not ethnicity_in_export(actor):
        return [c.header for c in kind.columns if c.field != "ethnicity"]
    return kind.headers


def export_rows(*, actor, kind: RosterKind, org: OrgUnit | None = None) -> Iterator[list]:
    """Rows as a clerk reads them in the template: labels for codes, 是/否, IDs and phones as text.

    Columns follow ``export_headers``."""
    from shiliu.orgs.models import Kind, Level

    levels, kinds = dict(Level.choices), dict(Kind.choices)
    livelihoods = dict(Livelihood.choices)
    labels: dict[str, str] = {}

    def langs(value: str) -> str:
        found = labels.get(value)
        if found is None:
            found = labels[value] = language_labels(value)
        return found

    rows = export_queryset(actor=actor, kind=kind, org=org).iterator(chunk_size=5000)
    if kind.key == "orgs":
        for code, name, level, unit_kind, parent, lat, lon in rows:
            yield [code, name, str(levels.get(level, level)), str(kinds.get(unit_kind, unit_kind)), parent, lat, lon]
    elif kind.key == "officials":
        for code, name, phone, unit, languages, capacity, active in rows:
            yield [code, name, phone, unit, langs(languages), capacity, "是" if active else "否"]
    else:
        with_ethnicity = ethnicity_in_export(actor)
        for row in rows:
            row = list(row)
            row[5] = langs(row[5])
            row[8] = str(livelihoods.get(row[8], row[8]))
            if not with_ethnicity:
                del row[7]
            yield row
