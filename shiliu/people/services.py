"""Writes to officials and households."""

from datetime import date

from django.db import transaction

from shiliu.core.audit import audit
from shiliu.core.scoping import ensure_in_scope
from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official


@transaction.atomic
def official_create(
    *, actor, code: str, name: str, unit: OrgUnit, phone: str = "", languages: str = "", capacity: int = 4
) -> Official:
    ensure_in_scope(actor, unit)
    official = Official(code=code, name=name, unit=unit, phone=phone, languages=languages, capacity=capacity)
    official.full_clean()
    official.save()
    audit(actor, "official.create", official)
    return official


@transaction.atomic
def household_create(
    *,
    actor,
    code: str,
    head_name: str,
    village: OrgUnit,
    members: int = 1,
    languages: str = "",
    phone: str = "",
    ethnicity: str = "",
    livelihood: str = "stable",
    consent_given_on: date | None = None,
    consent_notice_version: str = "",
) -> Household:
    ensure_in_scope(actor, village)
    household = Household(
        code=code,
        head_name=head_name,
        village=village,
        members=members,
        languages=languages,
        phone=phone,
        ethnicity=ethnicity,
        livelihood=livelihood,
        consent_given_on=consent_given_on,
        consent_notice_version=consent_notice_version,
    )
    household.full_clean()
    household.save()
    audit(actor, "household.create", household)
    return household
