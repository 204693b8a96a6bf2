from datetime import date

from ninja import Query, Router, Schema

from shiliu.core.api_pagination import Page, PageIn, page_of
from shiliu.core.audit import audit
from shiliu.core.scoping import get_scoped_or_404
from shiliu.orgs.selectors import org_unit_get
from shiliu.people.models import Household, Official, mask_id, mask_phone
from shiliu.people.selectors import households_for, officials_for

router = Router(tags=["people"])


class PeopleFilter(PageIn):
    org: str | None = None
    q: str | None = None


class OfficialOut(Schema):
    id: int
    code: str
    name: str
    unit_code: str
    unit_name: str
    phone: str
    languages: list[str]
    capacity: int
    active: bool

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return sorted(obj.language_set)


class HouseholdOut(Schema):
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

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.village.code

    @staticmethod
    def resolve_village_name(obj) -> str:
        return obj.village.name

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return sorted(obj.language_set)


class HouseholdDetailOut(HouseholdOut):
    head_id_number: str
    ethnicity: str
    consent_notice_version: str
    consent_withdrawn_on: date | None

    @staticmethod
    def resolve_head_id_number(obj) -> str:
        return mask_id(obj.head_id_number)


@router.get("/officials", response=Page[OfficialOut], tags=["officials"])
def list_officials(request, filters: Query[PeopleFilter]):
    org = org_unit_get(actor=request.user, code=filters.org) if filters.org else None
    qs = officials_for(actor=request.user, org=org, q=filters.q or "").order_by("code")
    return page_of(qs, filters)


@router.get("/officials/{official_id}", response=OfficialOut, tags=["officials"])
def get_official(request, official_id: int):
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=official_id)
    audit(request.user, "official.view", official, detail={"via": "api"})
    return official


@router.get("/households", response=Page[HouseholdOut], tags=["households"])
def list_households(request, filters: Query[PeopleFilter]):
    org = org_unit_get(actor=request.user, code=filters.org) if filters.org else None
    qs = households_for(actor=request.user, org=org, q=filters.q or "").order_by("code")
    return page_of(qs, filters)


@router.get("/households/{household_id}", response=HouseholdDetailOut, tags=["households"])
def get_household(request, household_id: int):
    household = get_scoped_or_404(Household.objects.select_related("village"), request.user, pk=household_id)
    audit(request.user, "household.view", household, detail={"via": "api"})
    return household
