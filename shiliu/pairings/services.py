"""Writes to schemes and pairings: creating, accepting proposals, ending, handing over."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shiliu.core.audit import audit
from shiliu.core.errors import DomainError, OutOfScope
from shiliu.core.jobs import job_start
from shiliu.core.models import Job
from shiliu.core.scoping import ensure_in_scope
from shiliu.orgs.models import Level, OrgUnit
from shiliu.pairings.models import ALLOWED, EndReason, MatchRun, Pairing, PairingStatus, Scheme, VisitFrequency
from shiliu.pairings.selectors import ancestor_paths, is_office_for
from shiliu.people.models import Household, Official

_LOCK_KEY = 727_110_201


def lock_scheme(scheme_id: int) -> None:
    """Serialise capacity checks of one scheme (PostgreSQL; SQLite's IMMEDIATE transactions already do)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, scheme_id])


def lock_schemes_covering(unit: OrgUnit) -> None:
    """Take the locks of every scheme that reaches ``unit``, in a fixed order (no deadlocks)."""
    schemes = Scheme.objects.filter(org_unit__path__in=ancestor_paths(unit.path)).order_by("pk")
    for scheme_id in schemes.values_list("pk", flat=True):
        lock_scheme(scheme_id)


def ensure_office(actor, org: OrgUnit) -> None:
    """Pairings are managed by the programme office of ``org`` or of a unit above it.

    This is the tree scope: an upper-level office may run schemes, matching and acceptance as a
    whole without reading the families' records, which stay with the serving units.
    """
    if actor is None:
        return
    paths = actor.scope_paths(personal=False) if actor.is_authenticated else []
    if not any(org.path.startswith(p) for p in paths):
        raise OutOfScope()
    if not is_office_for(actor, org):
        raise DomainError(_("只有创建办可以管理结对"), code="forbidden")


def county_of(unit: OrgUnit) -> OrgUnit | None:
    """The county area a unit lies in (None above county level)."""
    if unit.level in (Level.PROVINCE, Level.PREFECTURE):
        return None
    if unit.level == Level.COUNTY and unit.is_area:
        return unit
    return next((a for a in reversed(unit.ancestors()) if a.level == Level.COUNTY and a.is_area), None)


def ensure_in_scheme(scheme: Scheme, org: OrgUnit) -> None:
    if not org.path.startswith(scheme.org_unit.path):
        raise DomainError(_("所选范围不在该结对方案的实施范围内"))


def effective_capacity(scheme: Scheme, official: Official) -> int:
    return min(official.capacity, scheme.capacity_per_official)


@transaction.atomic
def scheme_create(
    *,
    actor,
    org_unit: OrgUnit,
    name: str,
    capacity_per_official: int = 5,
    visit_frequency: str = VisitFrequency.MONTHLY,
    cross_county: bool = False,
) -> Scheme:
    """Set up a pairing scheme for an org unit's subtree."""
    ensure_office(actor, org_unit)
    if cross_county and org_unit.level not in (Level.PROVINCE, Level.PREFECTURE):
        raise DomainError(_("只有州级及以上的方案可以允许跨县结对"))
    scheme = Scheme(
        name=name,
        org_unit=org_unit,
        capacity_per_official=capacity_per_official,
        visit_frequency=visit_frequency,
        cross_county=cross_county,
    )
    scheme.full_clean()
    scheme.save()
    audit(actor, "scheme.create", scheme, detail={"org": org_unit.code, "n": capacity_per_official})
    return scheme


def _check_pairable(scheme: Scheme, official: Official, household: Household, *, exclude_pk: int | None = None) -> None:
    """The rules every active pairing keeps; raises a DomainError a clerk understands."""
    if not household.has_consent:
        raise DomainError(_("该家庭尚未同意结对或已撤回同意"), code="no_consent")
    if not official.active:
        raise DomainError(_("该公职人员已不在岗"), code="official_inactive")
    ensure_in_scheme(scheme, household.village)
    if not official.unit.path.startswith(scheme.org_unit.path):
        raise DomainError(_("该公职人员不在该结对方案的实施范围内"))
    if not scheme.cross_county and county_of(official.unit) != county_of(household.village):
        raise DomainError(_("该方案只允许在本县内结对"), code="cross_county")
    active = Pairing.objects.filter(scheme=scheme, status=PairingStatus.ACTIVE)
    if exclude_pk is not None:
        active = active.exclude(pk=exclude_pk)
    if active.filter(household=household).exists():
        raise DomainError(_("该家庭在本方案中已有结对"), code="already_paired")
    if active.filter(official=official).count() >= effective_capacity(scheme, official):
        raise DomainError(
            _("该公职人员结对户数已满（最多%(n)s户）") % {"n": effective_capacity(scheme, official)}, code="capacity"
        )


@transaction.atomic
def pairing_create(
    *, actor, scheme: Scheme, official: Official, household: Household, started_on: date | None = None
) -> Pairing:
    """Pair an official with a consenting household by hand; the pairing is active at once."""
    ensure_office(actor, household.village)
    if actor is not None:
        ensure_in_scope(actor, household)
        if not scheme.cross_county:
            ensure_in_scope(actor, official)
    lock_scheme(scheme.pk)
    _check_pairable(scheme, official, household)
    pairing = Pairing(
        scheme=scheme,
        official=official,
        household=household,
        status=PairingStatus.ACTIVE,
        started_on=started_on or timezone.localdate(),
        official_load=Pairing.objects.filter(scheme=scheme, official=official, status=PairingStatus.ACTIVE).count() + 1,
    )
    pairing.full_clean()
    pairing.save()
    Pairing.objects.filter(scheme=scheme, household=household, status=PairingStatus.PROPOSED).delete()
    audit(actor, "pairing.create", pairing)
    return pairing


@transaction.atomic
def pairing_transition(
    *, actor, pairing: Pairing, to: str, reason: str = "", on: date | None = None, audited: bool = True
) -> Pairing:
    """Move a pairing along ALLOWED: accept a proposal, or end an active pairing with a reason."""
    if actor is not None:
        ensure_in_scope(actor, pairing)
    pairing = Pairing.objects.select_related("official__unit", "household__village", "scheme__org_unit").get(
        pk=pairing.pk
    )
    if to not in ALLOWED.get(pairing.status, set()):
        raise DomainError(
            _("结对状态不能从“%(a)s”变为“%(b)s”")
            % {"a": pairing.get_status_display(), "b": PairingStatus(to).label if to in PairingStatus else to},
            code="transition",
        )
    day = on or timezone.localdate()
    if to == PairingStatus.ACTIVE:
        ensure_office(actor, pairing.household.village)
        lock_scheme(pairing.scheme_id)
        _check_pairable(pairing.scheme, pairing.official, pairing.household, exclude_pk=pairing.pk)
        pairing.started_on = day
    elif to == PairingStatus.ENDED:
        if reason not in EndReason.values:
            raise DomainError(_("请选择结束原因"), code="reason")
        pairing.ended_on, pairing.end_reason = day, reason
    before = pairing.status
    pairing.status = to
    pairing.full_clean()
    pairing.save()
    if audited:
        audit(actor, "pairing.transition", pairing, detail={"from": before, "to": to, "reason": reason})
    return pairing


def _end_pairings(*, actor, pairings: QuerySet[Pairing], reason: str, on: date) -> list[tuple[int, int]]:
    """End the active ones among ``pairings``; returns their (scheme, household) pairs."""
    ended = []
    for pairing in pairings.filter(status=PairingStatus.ACTIVE).order_by("pk"):
        pairing_transition(actor=actor, pairing=pairing, to=PairingStatus.ENDED, reason=reason, on=on, audited=False)
        ended.append((pairing.scheme_id, pairing.household_id))
    return ended


@transaction.atomic
def household_pairings_end(*, actor, household: Household, reason: str, on: date | None = None) -> int:
    """End every active pairing of a household (e.g. it withdrew consent) and drop its proposals."""
    lock_schemes_covering(household.village)
    ended = _end_pairings(
        actor=actor, pairings=Pairing.objects.filter(household=household), reason=reason, on=on or timezone.localdate()
    )
    Pairing.objects.filter(household=household, status=PairingStatus.PROPOSED).delete()
    audit(actor, "pairing.end_for_household", household, detail={"ended": len(ended), "reason": reason})
    return len(ended)


@transaction.atomic
def official_handover(*, actor, official: Official, reason: str, on: date | None = None) -> list[MatchRun]:
    """End an official's pairings and propose new officials for exactly those households.

    The history stays with each household (ended pairings are kept). The official's own pending
    proposals are dropped. The same engine proposes, one run per scheme and county, leaving
    every other pairing where it is; the office accepts the proposals as usual.
    """
    from shiliu.pairings.engine import run_match

    if reason not in (EndReason.OFFICIAL_LEFT, EndReason.TRANSFERRED, EndReason.OFFICE_CHANGED):
        raise DomainError(_("请选择结束原因"), code="reason")
    for scheme_id in sorted(set(Pairing.objects.filter(official=official).values_list("scheme_id", flat=True))):
        lock_scheme(scheme_id)
    ended = _end_pairings(
        actor=actor, pairings=Pairing.objects.filter(official=official), reason=reason, on=on or timezone.localdate()
    )
    Pairing.objects.filter(official=official, status=PairingStatus.PROPOSED).delete()
    audit(actor, "pairing.handover", official, detail={"ended": len(ended), "reason": reason})
    runs = []
    by_scheme: dict[int, list[int]] = {}
    for scheme_id, household_id in ended:
        by_scheme.setdefault(scheme_id, []).append(household_id)
    for scheme_id, household_ids in sorted(by_scheme.items()):
        scheme = Scheme.objects.select_related("org_unit").get(pk=scheme_id)
        by_county: dict[int, list[int]] = {}
        households = Household.objects.filter(pk__in=household_ids).select_related("village")
        for household in households:
            scope = scheme.org_unit if scheme.cross_county else (county_of(household.village) or scheme.org_unit)
            by_county.setdefault(scope.pk, []).append(household.pk)
        for scope_id, ids in sorted(by_county.items()):
            runs.append(
                run_match(
                    actor=actor,
                    scheme=scheme,
                    org=OrgUnit.objects.get(pk=scope_id),
                    kind=MatchRun.Kind.HANDOVER,
                    household_ids=ids,
                    exclude_official_ids=[official.pk],
                    processes=1,
                )
            )
    return runs


@transaction.atomic
def match_start(*, actor, scheme: Scheme, org: OrgUnit) -> Job:
    """Start a matching run for ``org`` as a background job; its proposals await the office's review."""
    ensure_office(actor, org)
    ensure_in_scheme(scheme, org)
    if not scheme.active:
        raise DomainError(_("该结对方案已停用"))
    if org.level == Level.VILLAGE or not org.is_area:
        raise DomainError(_("请选择县、乡(镇)或更高层级的行政区域进行匹配"))
    job = job_start(actor=actor, kind="pairings.match", params={"scheme": scheme.pk, "org": org.pk}, org_unit=org)
    audit(actor, "pairing.match_start", scheme, detail={"org": org.code, "job": job.pk})
    return job


def _activate(ids: list[int]) -> None:
    """Flip accepted proposals to active: one statement on PostgreSQL, batches on SQLite."""
    today, now = timezone.localdate(), timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Pairing._meta.db_table} SET status = %s, started_on = %s, updated_at = %s WHERE id = ANY(%s)",
                [PairingStatus.ACTIVE.value, today, now, ids],
            )
            if len(ids) >= 20_000:  # keep the planner's row counts true after a big change
                cursor.execute(f"ANALYZE {Pairing._meta.db_table}")
        return
    for start in range(0, len(ids), 5000):
        Pairing.objects.filter(pk__in=ids[start : start + 5000]).update(
            status=PairingStatus.ACTIVE, started_on=today, updated_at=now
        )


@transaction.atomic
def proposals_accept(
    *,
    actor,
    org: OrgUnit,
    scheme: Scheme,
    ids: list[int] | None = None,
    run: MatchRun | None = None,
    township: OrgUnit | None = None,
) -> dict:
    """Accept proposals under ``org`` (all, those of a township, a run, or the chosen ``ids``).

    Every rule is checked again at acceptance, in bulk: consent still given, official still in
    post, no other active pairing of the household in the scheme, the official's capacity. A
    proposal that fails stays a proposal and is counted with its reason.
    """
    ensure_office(actor, org)
    lock_scheme(scheme.pk)
    qs = Pairing.objects.filter(
        scheme=scheme, status=PairingStatus.PROPOSED, household__village__path__startswith=org.path
    )
    if township is not None:
        qs = qs.filter(household__village__path__startswith=township.path)
    if run is not None:
        qs = qs.filter(match_run=run)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    already = Pairing.objects.filter(scheme=scheme, status=PairingStatus.ACTIVE, household=OuterRef("household_id"))
    rows = (
        qs.annotate(household_paired=Exists(already))
        .values_list(
            "pk",
            "official_id",
            "household__consent_given_on",
            "household__consent_withdrawn_on",
            "household_paired",
            "official__active",
            "official__capacity",
        )
        .order_by("pk")
    )
    loads = Counter(
        dict(
            Pairing.objects.filter(scheme=scheme, status=PairingStatus.ACTIVE, official__in=qs.values("official_id"))
            .values("official_id")
            .annotate(n=Count("id"))
            .values_list("official_id", "n")
        )
    )
    accepted: list[int] = []
    skipped: Counter = Counter()
    for pk, official_id, given, withdrawn, paired, official_active, capacity in rows.iterator(chunk_size=5000):
        if given is None or withdrawn is not None:
            skipped["no_consent"] += 1
        elif paired:
            skipped["already_paired"] += 1
        elif not official_active:
            skipped["official_inactive"] += 1
        elif loads[official_id] >= min(capacity, scheme.capacity_per_official):
            skipped["capacity"] += 1
        else:
            loads[official_id] += 1
            accepted.append(pk)
    _activate(accepted)
    result = {"accepted": len(accepted), "skipped": dict(skipped)}
    audit(
        actor,
        "pairing.accept",
        scheme,
        detail={"org": org.code, "run": run.pk if run else None, "selected": len(ids) if ids else None, **result},
    )
    return result
