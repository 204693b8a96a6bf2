"""Officials and households over the API.

Lists serialise from ``values_list`` rows into plain pydantic models: no model instances and no
per-field resolvers for 50-200 rows a page, which halves the list's Python time. Detail
endpoints fill the same models from the object, so both speak the same schema.
"""

from datetime import date

from ninja import Query, Router
from pydantic import BaseModel

from shiliu.core.api_pagination import Page, PageIn, page_of
from shiliu.core.audit import audit
from shiliu.core.listing import order_by_param
from shiliu.core.scoping import get_scoped_or_404
from shiliu.orgs.selectors import org_unit_get
from shiliu.people.models import Household, Official, mask_id, mask_phone
from shiliu.people.selectors import (
    HOUSEHOLD_DEFAULT_SORT,
    HOUSEHOLD_SORTS,
    OFFICIAL_DEFAULT_SORT,
    OFFICIAL_SORTS,
    households_for,
    officials_for,
)

router = Router(tags=["people"])


class PeopleFilter(PageIn):
    org: str | None = None
    q: str | None = None


def _languages(value: str) -> list[str]:
    return sorted(set(filter(None, value.split(","))))


def _values(obj, fields: tuple[str, ...]) -> tuple:
    """The ``values_list(*fields)`` row of one object already in memory."""
    row = []
    for field in fields:
        value = obj
        for part in field.split("__"):
            value = getattr(value, part)
        row.append(value)
    return tuple(row)


class OfficialOut(BaseModel):
    id: int
    code: str
    name: str
    unit_code: str
    unit_name: str
    phone: str
    languages: list[str]
    capacity: int
    active: bool


OFFICIAL_FIELDS = ("id", "code", "name", "unit__code", "unit__name", "phone", "languages", "capacity", "active")


def _official_out(v: tuple) -> dict:
    return {
        "id": v[0],
        "code": v[1],
        "name": v[2],
        "unit_code": v[3],
        "unit_name": v[4],
        "phone": mask_phone(v[5]),
        "languages": _languages(v[6]),
        "capacity": v[7],
        "active": v[8],
    }


class HouseholdOut(BaseModel):
    id: int
    code: str
    head_name: str
    village_code: str
    village_name: str
    members: int
    languages: list[str]
    phone: str
    livelihood: str
    has_consent: bool
    consent_given_on: date | None


class HouseholdDetailOut(HouseholdOut):
    head_id_number: str
    ethnicity: str
    consent_notice_version: str
    consent_withdrawn_on: date | None


HOUSEHOLD_FIELDS = (
    *("id", "code", "head_name", "village__code", "village__name", "members", "languages", "phone"),
    *("livelihood", "consent_given_on", "consent_withdrawn_on"),
)


def _household_out(v: tuple) -> dict:
    return {
        "id": v[0],
        "code": v[1],
        "head_name": v[2],
        "village_code": v[3],
        "village_name": v[4],
        "members": v[5],
        "languages": _languages(v[6]),
        "phone": mask_phone(v[7]),
        "livelihood": v[8],
        "has_consent": v[9] is not None and v[10] is None,
        "consent_given_on": v[9],
    }


@router.get("/officials", response=Page[OfficialOut], tags=["officials"])
def list_officials(request, filters: Query[PeopleFilter]):
    org = org_unit_get(actor=request.user, code=filters.org) if filters.org else None
    qs = order_by_param(
        officials_for(actor=request.user, org=org, q=filters.q or ""), OFFICIAL_DEFAULT_SORT, OFFICIAL_SORTS
    )
    page = page_of(qs.values_list(*OFFICIAL_FIELDS), filters)
    return {**page, "results": [_official_out(v) for v in page["results"]]}


@router.get("/officials/{official_id}", response=OfficialOut, tags=["officials"])
def get_official(request, official_id: int):
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=official_id)
    audit(request.user, "official.view", official, detail={"via": "api"})
    return _official_out(_values(official, OFFICIAL_FIELDS))


@router.get("/households", response=Page[HouseholdOut], tags=["households"])
def list_households(request, filters: Query[PeopleFilter]):
    org = org_unit_get(actor=request.user, code=filters.org) if filters.org else None
    qs = order_by_param(
        households_for(actor=request.user, org=org, q=filters.q or ""), HOUSEHOLD_DEFAULT_SORT, HOUSEHOLD_SORTS
    )
    page = page_of(qs.values_list(*HOUSEHOLD_FIELDS), filters)
    return {**page, "results": [_household_out(v) for v in page["results"]]}


@router.get("/households/{household_id}", response=HouseholdDetailOut, tags=["households"])
def get_household(request, household_id: int):
    household = get_scoped_or_404(Household.objects.select_related("village"), request.user, pk=household_id)
    audit(request.user, "household.view", household, detail={"via": "api"})
    return {
        **_household_out(_values(household, HOUSEHOLD_FIELDS)),
        "head_id_number": mask_id(household.head_id_number),
        "ethnicity": household.ethnicity,
        "consent_notice_version": household.consent_notice_version,
        "consent_withdrawn_on": household.consent_withdrawn_on,
    }
