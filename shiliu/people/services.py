"""Writes to officials and households."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shiliu.core.audit import audit
from shiliu.core.errors import DomainError
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


@transaction.atomic
def official_deactivate(*, actor, official: Official, on: date | None = None):
    """An official leaves (离岗): they stop being paired, and their households get new officials proposed."""
    from shiliu.pairings.models import EndReason
    from shiliu.pairings.services import ensure_office, official_handover

    ensure_in_scope(actor, official)
    ensure_office(actor, official.unit)
    official.active = False
    official.full_clean()
    official.save(update_fields=["active"])
    audit(actor, "official.deactivate", official)
    return official_handover(actor=actor, official=official, reason=EndReason.OFFICIAL_LEFT, on=on)


@transaction.atomic
def official_transfer(*, actor, official: Official, unit: OrgUnit, on: date | None = None):
    """An official moves to another unit (调动): their pairings end and their households are handed over."""
    from shiliu.pairings.models import EndReason
    from shiliu.pairings.services import ensure_office, official_handover

    ensure_in_scope(actor, official)
    ensure_in_scope(actor, unit)
    ensure_office(actor, official.unit)
    if unit.pk == official.unit_id:
        raise DomainError(_("调入单位与原单位相同"))
    before = official.unit.code
    official.unit = unit
    official.full_clean()
    official.save(update_fields=["unit"])
    audit(actor, "official.transfer", official, detail={"from": before, "to": unit.code})
    return official_handover(actor=actor, official=official, reason=EndReason.TRANSFERRED, on=on)


@transaction.atomic
def household_withdraw_consent(*, actor, household: Household, on: date | None = None) -> Household:
    """The family withdraws its consent: recorded with the date, and its pairings end."""
    from shiliu.pairings.models import EndReason
    from shiliu.pairings.services import ensure_office, household_pairings_end

    ensure_in_scope(actor, household)
    ensure_office(actor, household.village)
    if household.consent_withdrawn_on is not None:
        raise DomainError(_("该家庭已撤回同意"))
    household.consent_withdrawn_on = on or timezone.localdate()
    household.full_clean()
    household.save(update_fields=["consent_withdrawn_on"])
    audit(actor, "household.withdraw_consent", household)
    household_pairings_end(actor=actor, household=household, reason=EndReason.CONSENT_WITHDRAWN, on=on)
    return household
