"""Matching runs against the database: load a scope into arrays, solve, write the proposals.

A scope is an area (county, township, or a prefecture processed county by county). Candidates
are the consenting households of the scope without an active pairing in the scheme; officials
are the active officials of the household's county (of the whole scope when the scheme allows
cross-county pairing) with room left under the scheme's N. An official's base is the nearest
area at or above their unit that has coordinates (the township for township units, the county
for county units); a village without coordinates borrows its nearest ancestor's. How many fell
back is part of the run's summary.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shiliu.core.audit import audit
from shiliu.core.bulk import bulk_load
from shiliu.core.errors import DomainError
from shiliu.core.jobs import job_kind
from shiliu.orgs.models import Kind, Level, OrgUnit
from shiliu.pairings.matching import Params, Problem, Solution, language_codes, language_mask, solve, solve_all
from shiliu.pairings.models import MatchRun, Pairing, PairingStatus, Scheme
from shiliu.pairings.services import county_of, ensure_in_scheme, lock_scheme
from shiliu.people.models import Household, Official

# Counties are solved on a pool of two processes once a run is big enough to repay starting it.
POOL_THRESHOLD = 20_000


@dataclass
class _Area:
    id: int
    code: str
    name: str
    kind: str
    level: str
    path: str
    lat: float | None
    lon: float | None

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class ScopeInput:
    """One problem for the solver and the database ids behind its indices."""

    county: _Area | None
    problem: Problem
    household_ids: np.ndarray
    household_langs: list[str]
    official_ids: np.ndarray
    official_langs: list[str]
    officials_total: int


class _Tree:
    """The units of a scope (and their ancestors) by code, to find bases, coordinates and counties."""

    def __init__(self, root: OrgUnit):
        units = OrgUnit.objects.filter(Q(path__startswith=root.path) | Q(pk__in=[a.pk for a in root.ancestors()]))
        self.by_code: dict[str, _Area] = {}
        self.by_id: dict[int, _Area] = {}
        for row in units.values_list("id", "code", "name", "kind", "level", "path", "latitude", "longitude"):
            area = _Area(*row)
            self.by_code[area.code] = area
            self.by_id[area.id] = area
        self._located: dict[int, tuple[_Area | None, bool]] = {}

    def located(self, unit_id: int) -> tuple[_Area | None, bool]:
        """The nearest area at or above the unit that has coordinates, and whether it is a fallback."""
        if unit_id not in self._located:
            codes = self.by_id[unit_id].path.strip("/").split("/")
            own_area_seen = False
            found: tuple[_Area | None, bool] = (None, True)
            for code in reversed(codes):
                area = self.by_code.get(code)
                if area is None or area.kind != Kind.AREA:
                    continue
                if area.has_coordinates:
                    found = (area, own_area_seen)
                    break
                own_area_seen = True
            self._located[unit_id] = found
        return self._located[unit_id]

    def county(self, unit_id: int) -> _Area | None:
        for code in self.by_id[unit_id].path.strip("/").split("/"):
            area = self.by_code.get(code)
            if area is not None and area.kind == Kind.AREA and area.level == Level.COUNTY:
                return area
        return None


@dataclass
class Loaded:
    inputs: list[ScopeInput]
    fallbacks: dict
    areas: dict[int, _Area]


def load(
    *,
    scheme: Scheme,
    org: OrgUnit,
    household_ids: Sequence[int] | None = None,
    exclude_official_ids: Sequence[int] = (),
) -> Loaded:
    """Read a scope into solver problems: one per county, or one for the scope when cross-county."""
    ensure_in_scheme(scheme, org)
    # Officials come from the household's county (the same-county rule), within the scheme's scope.
    county = county_of(org)
    officials_root = county if county is not None else org
    if not officials_root.path.startswith(scheme.org_unit.path):
        officials_root = scheme.org_unit
    tree = _Tree(officials_root)

    households = Household.objects.filter(
        village__path__startswith=org.path, consent_given_on__isnull=False, consent_withdrawn_on__isnull=True
    ).exclude(Exists(Pairing.objects.filter(scheme=scheme, status=PairingStatus.ACTIVE, household=OuterRef("pk"))))
    if household_ids is not None:
        households = households.filter(pk__in=list(household_ids))
    hh_rows = list(households.order_by("pk").values_list("pk", "village_id", "languages"))

    officials = Official.objects.filter(active=True, unit__path__startswith=officials_root.path).exclude(
        pk__in=list(exclude_official_ids)
    )
    off_rows = list(officials.order_by("pk").values_list("pk", "unit_id", "languages", "capacity"))
    load_qs = Pairing.objects.filter(scheme=scheme, status__in=[PairingStatus.ACTIVE, PairingStatus.PROPOSED])
    if len(off_rows) <= 5000:  # a county: look its officials up by index; a prefecture: count the scheme
        load_qs = load_qs.filter(official_id__in=[r[0] for r in off_rows])
    # Proposals this run replaces do not hold an official's slot.
    replaced = Q(status=PairingStatus.PROPOSED, household__village__path__startswith=org.path)
    if household_ids is not None:
        replaced = Q(status=PairingStatus.PROPOSED, household_id__in=list(household_ids))
    load_qs = load_qs.exclude(replaced)
    loads = dict(load_qs.values("official_id").annotate(n=Count("id")).values_list("official_id", "n"))

    fallbacks = {"villages_from_ancestor": 0, "officials_from_ancestor": 0, "without_coordinates": 0}
    n_max = scheme.capacity_per_official

    def county_key(unit_id: int):
        c = tree.county(unit_id)
        return c.id if c is not None else 0

    # Group rows per county (or one group for a cross-county scheme).
    cross = scheme.cross_county
    hh_by: dict[int, list[tuple]] = {}
    for row in hh_rows:
        hh_by.setdefault(0 if cross else county_key(row[1]), []).append(row)
    off_by: dict[int, list[tuple]] = {}
    for row in off_rows:
        off_by.setdefault(0 if cross else county_key(row[1]), []).append(row)

    inputs = []
    for key in sorted(hh_by):
        hh = hh_by[key]
        offs = off_by.get(key, [])
        village_ids = sorted({r[1] for r in hh})
        v_index = {v: i for i, v in enumerate(village_ids)}
        v_lat = np.full(len(village_ids), np.nan)
        v_lon = np.full(len(village_ids), np.nan)
        for i, v in enumerate(village_ids):
            area, fell_back = tree.located(v)
            if area is None:
                fallbacks["without_coordinates"] += 1
                continue
            fallbacks["villages_from_ancestor"] += fell_back
            v_lat[i], v_lon[i] = area.lat, area.lon
        base_of = []
        for r in offs:
            area, fell_back = tree.located(r[1])
            if area is None:
                fallbacks["without_coordinates"] += 1
            else:
                fallbacks["officials_from_ancestor"] += fell_back
            base_of.append(area.id if area is not None else -1)
        base_ids = sorted(set(base_of))
        b_index = {b: i for i, b in enumerate(base_ids)}
        b_lat = np.array([tree.by_id[b].lat if b > 0 else np.nan for b in base_ids], dtype=np.float64)
        b_lon = np.array([tree.by_id[b].lon if b > 0 else np.nan for b in base_ids], dtype=np.float64)
        load_arr = np.array([loads.get(r[0], 0) for r in offs], dtype=np.int32)
        cap = np.array([min(r[3], n_max) for r in offs], dtype=np.int32)
        problem = Problem(
            key=str(key),
            village_lat=v_lat,
            village_lon=v_lon,
            hh_village=np.array([v_index[r[1]] for r in hh], dtype=np.int32),
            hh_lang=np.array([language_mask(r[2]) for r in hh], dtype=np.int64),
            base_lat=b_lat,
            base_lon=b_lon,
            off_base=np.array([b_index[b] for b in base_of], dtype=np.int32),
            off_lang=np.array([language_mask(r[2]) for r in offs], dtype=np.int64),
            off_free=np.maximum(cap - load_arr, 0).astype(np.int32),
            off_load=load_arr,
            capacity=n_max,
        )
        if cross:
            problem.hh_region = np.array([county_key(r[1]) for r in hh], dtype=np.int64)
            problem.off_region = np.array([county_key(r[1]) for r in offs], dtype=np.int64)
        inputs.append(
            ScopeInput(
                county=tree.by_id.get(key),
                problem=problem,
                household_ids=np.array([r[0] for r in hh], dtype=np.int64),
                household_langs=[r[2] for r in hh],
                official_ids=np.array([r[0] for r in offs], dtype=np.int64),
                official_langs=[r[2] for r in offs],
                officials_total=len(offs),
            )
        )
    return Loaded(inputs=inputs, fallbacks=fallbacks, areas=tree.by_id)


def _scope_counts(scheme: Scheme, org: OrgUnit) -> dict:
    counts = Household.objects.filter(village__path__startswith=org.path).aggregate(
        households=Count("id"),
        consenting=Count("id", filter=Q(consent_given_on__isnull=False, consent_withdrawn_on__isnull=True)),
    )
    counts["paired_before"] = Pairing.objects.filter(
        scheme=scheme, status=PairingStatus.ACTIVE, household__village__path__startswith=org.path
    ).count()
    return counts


def _shortfalls(loaded: Loaded, solutions: list[Solution]) -> list[dict]:
    """Per county (or per county within a cross-county scope): households left uncovered and why."""
    out = []
    for item, solution in zip(loaded.inputs, solutions, strict=True):
        if not solution.uncovered:
            continue
        problem = item.problem
        uncovered = solution.official < 0
        if problem.hh_region is not None:
            regions = problem.hh_region[uncovered]
            keys = sorted(set(regions.tolist()))
        else:
            regions, keys = None, [int(item.county.id) if item.county else 0]
        for key in keys:
            if regions is None:
                n, officials, free = solution.uncovered, item.officials_total, solution.free_capacity
            else:  # one county of a cross-county scope
                mine = problem.off_region == key
                n, officials, free = int((regions == key).sum()), int(mine.sum()), int(problem.off_free[mine].sum())
            county = loaded.areas.get(key)
            out.append(
                {
                    "county": county.code if county else "",
                    "name": county.name if county else "",
                    "households": n,
                    "officials": officials,
                    "free_capacity": free,
                    "officials_needed": math.ceil(n / problem.capacity),
                    "reason": "no_officials" if officials == 0 else "capacity",
                }
            )
    return out


def _proposal_rows(scheme: Scheme, run: MatchRun, item: ScopeInput, solution: Solution, now, commit: bool):
    status, started_on = (PairingStatus.ACTIVE, timezone.localdate()) if commit else (PairingStatus.PROPOSED, None)
    shared_cache: dict[tuple[str, str], str] = {}
    off_langs = item.official_langs
    for h in np.flatnonzero(solution.official >= 0):
        o = int(solution.official[h])
        hh_lang = item.household_langs[h]
        key = (hh_lang, off_langs[o])
        if key not in shared_cache:
            shared = language_mask(hh_lang) & language_mask(off_langs[o]) if hh_lang else 0
            shared_cache[key] = ",".join(language_codes(shared)) if shared else ""
        yield (
            scheme.pk,
            int(item.official_ids[o]),
            int(item.household_ids[h]),
            status,
            started_on,
            "",
            run.pk,
            round(float(solution.distance_km[h]), 2),
            shared_cache[key],
            int(solution.load_after[o]),
            int(solution.cost[h]),
            now,
            now,
        )


AUDITED_SUMMARY = ("org", "scheme", "kind", "candidates", "proposed", "accepted", "uncovered")
PROPOSAL_COLUMNS = [
    "scheme_id",
    "official_id",
    "household_id",
    "status",
    "started_on",
    "end_reason",
    "match_run_id",
    "distance_km",
    "shared_languages",
    "official_load",
    "cost",
    "created_at",
    "updated_at",
]


def run_match(
    *,
    actor,
    scheme: Scheme,
    org: OrgUnit,
    kind: str = MatchRun.Kind.FULL,
    household_ids: Sequence[int] | None = None,
    exclude_official_ids: Sequence[int] = (),
    job=None,
    progress: Callable[[int, str], None] | None = None,
    processes: int = 2,
    params: Params = Params(),  # noqa: B008 - frozen dataclass
    commit: bool = False,
) -> MatchRun:
    """Match a scope and store the proposals; earlier proposals for the same households are replaced.

    With ``commit`` the pairings are written as active at once: the whole run then holds the
    scheme's lock in one transaction, so the rules acceptance would check again (consent, no
    active pairing, officials in post, capacity) still hold when the rows are written.
    The caller checks permissions (``match_start``, ``official_handover``, the ``match`` command).
    """
    kwargs = {
        "actor": actor,
        "scheme": scheme,
        "org": org,
        "kind": kind,
        "household_ids": household_ids,
        "exclude_official_ids": exclude_official_ids,
        "job": job,
        "progress": progress or (lambda pct, msg="": None),
        "processes": processes,
        "params": params,
    }
    if not commit:
        return _run_match(**kwargs, commit=False)
    with transaction.atomic():
        lock_scheme(scheme.pk)
        return _run_match(**kwargs, commit=True)


def _run_match(
    *, actor, scheme, org, kind, household_ids, exclude_official_ids, job, progress, processes, params, commit
) -> MatchRun:
    started = time.perf_counter()
    run = MatchRun.objects.create(scheme=scheme, org_unit=org, kind=kind, job=job, created_by=actor)
    try:
        progress(5, _("读取家庭和公职人员"))
        loaded = load(scheme=scheme, org=org, household_ids=household_ids, exclude_official_ids=exclude_official_ids)
        if household_ids is None:
            counts = _scope_counts(scheme, org)
        else:  # a handover: only the named households are in question
            counts = {"households": len(household_ids), "consenting": len(household_ids), "paired_before": 0}
        t_load = time.perf_counter()
        problems = [item.problem for item in loaded.inputs]
        size = sum(p.households for p in problems)
        done = []

        def on_done(solution: Solution) -> None:
            done.append(solution)
            progress(
                20 + 60 * len(done) // max(len(problems), 1),
                _("已完成 %(n)s / %(t)s 个县")
                % {
                    "n": len(done),
                    "t": len(problems),
                },
            )

        progress(20, _("求解最优结对"))
        use = processes if size >= POOL_THRESHOLD else 1
        solutions = solve_all(problems, params, processes=use, method=solve, on_done=on_done)
        t_solve = time.perf_counter()
        progress(85, _("写入结对建议"))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic():
            lock_scheme(scheme.pk)
            stale = Pairing.objects.filter(scheme=scheme, status=PairingStatus.PROPOSED)
            if household_ids is not None:
                stale = stale.filter(household_id__in=list(household_ids))
            else:
                stale = stale.filter(household__village__path__startswith=org.path)
            replaced = stale.delete()[0]
            written = 0
            for item, solution in zip(loaded.inputs, solutions, strict=True):
                rows = _proposal_rows(scheme, run, item, solution, now, commit)
                written += bulk_load(Pairing, PROPOSAL_COLUMNS, rows)
            if connection.vendor == "postgresql" and written >= 20_000:
                with connection.cursor() as cursor:  # keep the planner's row counts true after a big load
                    cursor.execute(f"ANALYZE {Pairing._meta.db_table}")
            t_write = time.perf_counter()
            uncovered = _shortfalls(loaded, solutions)
            covered = sum(s.covered for s in solutions)
            total_km = sum(s.total_km for s in solutions)
            run.summary = {
                "run": run.pk,
                "org": org.code,
                "org_name": org.name,
                "scheme": scheme.pk,
                "kind": kind,
                **counts,
                "candidates": size,
                "proposed": written,
                "accepted": written if commit else 0,
                "replaced_proposals": replaced,
                "uncovered": sum(s.uncovered for s in solutions),
                "uncovered_by_county": uncovered,
                "total_cost": sum(s.total_cost for s in solutions),
                "total_km": round(total_km, 1),
                "avg_km": round(total_km / covered, 2) if covered else None,
                "language_mismatches": sum(s.language_mismatches for s in solutions),
                "coordinates": loaded.fallbacks,
                "processes": use,
                "seconds": {
                    "load": round(t_load - started, 2),
                    "solve": round(t_solve - t_load, 2),
                    "write": round(t_write - t_solve, 2),
                    "total": round(time.perf_counter() - started, 2),
                },
            }
            run.status = MatchRun.Status.DONE
            run.save(update_fields=["summary", "status"])
            audit(
                actor,
                "pairing.match",
                run,
                username=None if actor is not None else "manage.py",
                detail={k: run.summary[k] for k in AUDITED_SUMMARY},
            )
    except Exception:
        MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.FAILED)
        raise
    return run


@job_kind("pairings.match", result_template="pairings/_match_result.html")
def match_job(job, progress) -> dict:
    try:
        scheme = Scheme.objects.select_related("org_unit").get(pk=job.params["scheme"])
        org = OrgUnit.objects.get(pk=job.params["org"])
    except (Scheme.DoesNotExist, OrgUnit.DoesNotExist, KeyError) as exc:
        raise DomainError(_("结对方案或范围不存在")) from exc
    run = run_match(actor=job.created_by, scheme=scheme, org=org, job=job, progress=progress)
    return run.summary
