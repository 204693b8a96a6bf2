"""Pairing API: coverage, schemes, pairings, the official's own families, matching and acceptance."""

from datetime import date

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from shiliu.core.api_pagination import Page, PageIn, page_of
from shiliu.core.audit import audit
from shiliu.core.errors import DomainError
from shiliu.core.jobs import job_get
from shiliu.core.scoping import get_scoped_or_404
from shiliu.orgs.selectors import org_unit_get
from shiliu.pairings import selectors, services
from shiliu.pairings.models import EndReason, MatchRun, Pairing, PairingStatus
from shiliu.people.models import Household, Official

router = Router(tags=["pairings"])


class CoverageRowOut(Schema):
    code: str
    name: str
    level: str
    households: int
    consenting: int
    paired: int
    proposed: int
    coverage_pct: float | None
    officials: int
    officials_without_household: int
    officials_at_capacity: int


class CoverageOut(Schema):
    org: str
    scheme: int | None
    total: CoverageRowOut
    children: list[CoverageRowOut]


class SchemeOut(Schema):
    id: int
    name: str
    org_code: str
    capacity_per_official: int
    visit_frequency: str
    cross_county: bool
    active: bool

    @staticmethod
    def resolve_org_code(obj) -> str:
        return obj.org_unit.code


class PairingOut(Schema):
    id: int
    scheme_id: int
    status: str
    official_id: int
    official_name: str
    official_unit: str
    household_id: int
    household_code: str
    household_head_name: str
    village_code: str
    started_on: date | None
    ended_on: date | None
    end_reason: str
    distance_km: float | None
    shared_languages: list[str]
    official_load: int | None
    match_run_id: int | None

    @staticmethod
    def resolve_official_name(obj) -> str:
        return obj.official.name

    @staticmethod
    def resolve_official_unit(obj) -> str:
        return obj.official.unit.code

    @staticmethod
    def resolve_household_code(obj) -> str:
        return obj.household.code

    @staticmethod
    def resolve_household_head_name(obj) -> str:
        return obj.household.head_name

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.household.village.code

    @staticmethod
    def resolve_shared_languages(obj) -> list[str]:
        return obj.shared_language_set


class PairingFilter(PageIn):
    org: str | None = None
    scheme: int | None = None
    status: PairingStatus | None = None
    official: int | None = None
    q: str | None = None


class CoverageQuery(Schema):
    org: str = Field(..., description="组织代码，统计其下级")
    scheme: int | None = None


class MatchIn(Schema):
    org: str
    scheme: int


class JobOut(Schema):
    job_id: int
    status: str
    progress: int
    message: str
    error: str
    result: dict


class RunOut(Schema):
    id: int
    scheme_id: int
    org_code: str
    kind: str
    status: str
    summary: dict

    @staticmethod
    def resolve_org_code(obj) -> str:
        return obj.org_unit.code


class AcceptIn(Schema):
    org: str
    scheme: int
    ids: list[int] | None = Field(None, description="要接受的建议ID；不填则接受范围内全部")
    run: int | None = None
    township: str | None = None


class PairingIn(Schema):
    scheme: int
    official: int
    household: int


class EndIn(Schema):
    reason: EndReason


class AcceptOut(Schema):
    accepted: int
    skipped: dict[str, int]


@router.get("/coverage", response=CoverageOut)
def get_coverage(request, query: Query[CoverageQuery]):
    """Coverage of an org unit's subtree, one row per child unit: households, consent, paired, officials."""
    org = org_unit_get(actor=request.user, code=query.org)
    scheme = selectors.scheme_get(actor=request.user, pk=query.scheme) if query.scheme else None
    total = selectors.coverage(org=org, scheme=scheme)
    return {
        "org": org.code,
        "scheme": scheme.pk if scheme else None,
        "total": total.as_dict(),
        "children": [row.as_dict() for row in total.children],
    }


@router.get("/schemes", response=list[SchemeOut])
def list_schemes(request, org: str | None = None):
    unit = org_unit_get(actor=request.user, code=org) if org else None
    return list(selectors.schemes_for(actor=request.user, org=unit, active=None))


@router.get("/mine", response=list[PairingOut])
def my_families(request):
    """The official's own families (active pairings of the official linked to the token's user)."""
    return list(selectors.my_pairings(request.user).select_related("official__unit", "household__village"))


@router.post("/match", response={202: JobOut})
def start_match(request, payload: MatchIn):
    """Start a matching run as a background job; poll /jobs/{job_id} for progress and the summary."""
    org = org_unit_get(actor=request.user, code=payload.org)
    scheme = selectors.scheme_get(actor=request.user, pk=payload.scheme)
    job = services.match_start(actor=request.user, scheme=scheme, org=org)
    job.refresh_from_db()
    return Status(202, _job_out(job))


def _job_out(job) -> dict:
    return {
        "job_id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "result": job.result,
    }


@router.get("/jobs/{job_id}", response=JobOut)
def get_job(request, job_id: int):
    job = job_get(actor=request.user, job_id=job_id)
    if job.kind != "pairings.match":
        raise Http404("未找到")
    return _job_out(job)


@router.get("/runs/{run_id}", response=RunOut)
def get_run(request, run_id: int):
    return get_scoped_or_404(MatchRun.objects.select_related("org_unit"), request.user, pk=run_id)


@router.post("/accept", response=AcceptOut)
def accept(request, payload: AcceptIn):
    """Accept proposals (all under ``org``, a township's, a run's, or the listed ``ids``); rules are re-checked."""
    org = org_unit_get(actor=request.user, code=payload.org)
    scheme = selectors.scheme_get(actor=request.user, pk=payload.scheme)
    township = org_unit_get(actor=request.user, code=payload.township) if payload.township else None
    if township is not None and not township.path.startswith(org.path):
        raise Http404("未找到")
    run = get_scoped_or_404(MatchRun.objects.all(), request.user, pk=payload.run) if payload.run else None
    if payload.ids is not None and not payload.ids:
        raise DomainError("请指定要接受的建议", code="empty")
    return services.proposals_accept(
        actor=request.user, org=org, scheme=scheme, ids=payload.ids, run=run, township=township
    )


@router.get("", response=Page[PairingOut])
def list_pairings(request, filters: Query[PairingFilter]):
    org = org_unit_get(actor=request.user, code=filters.org) if filters.org else None
    scheme = selectors.scheme_get(actor=request.user, pk=filters.scheme) if filters.scheme else None
    qs = selectors.pairings_for(
        actor=request.user, org=org, scheme=scheme, status=filters.status or "", q=filters.q or ""
    )
    if filters.official:
        qs = qs.filter(official_id=filters.official)
    return page_of(qs.order_by("pk"), filters)


@router.post("", response={201: PairingOut})
def create_pairing(request, payload: PairingIn):
    """Pair an official with a consenting household by hand (active at once); the rules are the engine's."""
    scheme = selectors.scheme_get(actor=request.user, pk=payload.scheme)
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=payload.official)
    household = get_scoped_or_404(Household.objects.select_related("village"), request.user, pk=payload.household)
    pairing = services.pairing_create(actor=request.user, scheme=scheme, official=official, household=household)
    return Status(201, pairing)


@router.post("/{pairing_id}/end", response=PairingOut)
def end_pairing(request, pairing_id: int, payload: EndIn):
    """End an active pairing with a reason; it stays in the household's history."""
    pairing = get_scoped_or_404(Pairing.objects.all(), request.user, pk=pairing_id)
    services.ensure_office(request.user, pairing.household.village)
    return services.pairing_transition(
        actor=request.user, pairing=pairing, to=PairingStatus.ENDED, reason=payload.reason
    )


@router.get("/{pairing_id}", response=PairingOut)
def get_pairing(request, pairing_id: int):
    pairing = get_scoped_or_404(
        Pairing.objects.select_related("official__unit", "household__village"), request.user, pk=pairing_id
    )
    audit(request.user, "pairing.view", pairing, detail={"via": "api"})
    return pairing
