"""Handover: an official leaves or moves; a household withdraws consent."""

import time

import pytest

from shiliu.conftest import OfficialFactory
from shiliu.core.errors import DomainError
from shiliu.core.models import AuditEvent
from shiliu.pairings.engine import run_match
from shiliu.pairings.models import MatchRun, Pairing, PairingStatus
from shiliu.pairings.selectors import household_history
from shiliu.pairings.services import pairing_create, proposals_accept
from shiliu.people.services import household_withdraw_consent, official_deactivate, official_transfer


def pair_county_a(pw):
    office = pw.user("county_office")
    run = run_match(actor=office, scheme=pw.scheme, org=pw.county_a)
    proposals_accept(actor=office, org=pw.county_a, scheme=pw.scheme, run=run)
    assert Pairing.objects.filter(status="active").count() == 7
    return pw


@pytest.fixture
def paired(pw):
    """County A fully paired by the engine and accepted, with a fourth official for slack."""
    OfficialFactory(unit=pw.gov_a, code="G993301103", name="赵敏", languages="zh,bo,zh-sc", capacity=4)
    return pair_county_a(pw)


def active_map():
    return dict(Pairing.objects.filter(status="active").values_list("household_id", "official_id"))


def test_deactivating_an_official_hands_over_only_their_households(paired):
    pw = paired
    before = active_map()
    leaving = pw.off_t2
    affected = {h for h, o in before.items() if o == leaving.pk}
    assert affected
    started = time.perf_counter()
    runs = official_deactivate(actor=pw.user("county_office"), official=leaving)
    assert time.perf_counter() - started < 1.0
    leaving.refresh_from_db()
    assert leaving.active is False
    ended = Pairing.objects.filter(official=leaving)
    assert {p.household_id for p in ended} == affected
    assert all(p.status == "ended" and p.end_reason == "official_left" and p.ended_on for p in ended)
    # Everyone else keeps their official.
    assert active_map() == {h: o for h, o in before.items() if h not in affected}
    # New proposals for exactly the affected households, never the leaving official.
    (run,) = runs
    assert run.kind == MatchRun.Kind.HANDOVER
    proposed = Pairing.objects.filter(status="proposed")
    assert {p.household_id for p in proposed} == affected
    assert leaving.pk not in {p.official_id for p in proposed}
    assert all(p.match_run_id == run.pk for p in proposed)
    # The history stays with the household.
    household = ended.first().household
    history = list(household_history(actor=pw.user("county_office"), household=household))
    assert [h.status for h in history] == ["ended"] and history[0].official == leaving
    assert AuditEvent.objects.filter(action="official.deactivate").exists()
    assert AuditEvent.objects.filter(action="pairing.handover", detail__ended=len(affected)).exists()


def test_accepting_the_handover_restores_full_coverage(paired):
    pw = paired
    runs = official_deactivate(actor=pw.user("county_office"), official=pw.off_t2)
    result = proposals_accept(actor=pw.user("county_office"), org=pw.county_a, scheme=pw.scheme, run=runs[0])
    assert result["skipped"] == {}
    assert Pairing.objects.filter(status="active").count() == 7


def test_transfer_ends_pairings_with_its_reason(paired):
    pw = paired
    moving = pw.official_a
    affected = set(Pairing.objects.filter(official=moving, status="active").values_list("household_id", flat=True))
    official_transfer(actor=pw.user("county_office"), official=moving, unit=pw.department_a)
    moving.refresh_from_db()
    assert moving.unit == pw.department_a and moving.active
    assert (
        set(
            Pairing.objects.filter(official=moving, status="ended", end_reason="transferred").values_list(
                "household_id", flat=True
            )
        )
        == affected
    )
    proposed = Pairing.objects.filter(status="proposed")
    assert {p.household_id for p in proposed} == affected
    assert moving.pk not in {p.official_id for p in proposed}


def test_handover_when_the_county_is_full_reports_the_shortfall(pw):
    # Three officials with 3 slots each for 7 households: whoever leaves, the other two lack room.
    pair_county_a(pw)
    leaving = pw.off_t1
    affected = Pairing.objects.filter(official=leaving, status="active").count()
    free = 6 - (7 - affected)
    runs = official_deactivate(actor=pw.user("county_office"), official=leaving)
    assert affected - free == 1
    assert runs[0].summary["proposed"] == free
    assert runs[0].summary["uncovered"] == 1
    assert runs[0].summary["uncovered_by_county"][0]["officials_needed"] == 1


def test_withdrawing_consent_ends_pairings_and_proposals(paired):
    pw = paired
    household = pw.household_a
    household_withdraw_consent(actor=pw.user("county_office"), household=household)
    household.refresh_from_db()
    assert household.consent_withdrawn_on is not None and not household.has_consent
    (pairing,) = Pairing.objects.filter(household=household)
    assert (pairing.status, pairing.end_reason) == (PairingStatus.ENDED, "consent_withdrawn")
    with pytest.raises(DomainError):
        pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.off_t1, household=household)
    with pytest.raises(DomainError):
        household_withdraw_consent(actor=pw.user("county_office"), household=household)
    run = run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    assert not Pairing.objects.filter(match_run=run, household=household).exists()


def test_withdrawal_drops_pending_proposals(pw):
    run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    household_withdraw_consent(actor=pw.user("county_office"), household=pw.household_a)
    assert not Pairing.objects.filter(household=pw.household_a).exists()
