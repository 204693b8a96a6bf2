"""Pairing services: consent, one active pairing per scheme, capacity, county and scope rules, audit."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from shiliu.core.errors import DomainError, OutOfScope
from shiliu.core.models import AuditEvent
from shiliu.pairings.models import EndReason, Pairing, PairingStatus, Scheme
from shiliu.pairings.selectors import household_history, my_households, my_pairings, pairings_for, schemes_for
from shiliu.pairings.services import pairing_create, pairing_transition, proposals_accept, scheme_create


def create(pw, household, official=None, user="county_office", scheme=None):
    return pairing_create(
        actor=pw.user(user), scheme=scheme or pw.scheme, official=official or pw.official_a, household=household
    )


def test_pairing_create_is_active_and_audited(pw):
    pairing = create(pw, pw.household_a)
    assert pairing.status == PairingStatus.ACTIVE and pairing.started_on is not None
    assert AuditEvent.objects.filter(action="pairing.create", object_id=str(pairing.pk)).exists()


def test_consent_is_required(pw):
    with pytest.raises(DomainError) as exc:
        create(pw, pw.no_consent)
    assert exc.value.code == "no_consent"
    assert not Pairing.objects.exists()


def test_one_active_pairing_per_household_and_scheme(pw):
    create(pw, pw.household_a)
    with pytest.raises(DomainError) as exc:
        create(pw, pw.household_a, official=pw.off_t1)
    assert exc.value.code == "already_paired"
    other = Scheme.objects.create(name="县级方案", org_unit=pw.county_a, capacity_per_official=2)
    assert create(pw, pw.household_a, official=pw.off_t1, scheme=other).status == "active"


def test_database_refuses_a_second_active_pairing(pw):
    Pairing.objects.create(
        scheme=pw.scheme, official=pw.official_a, household=pw.household_a, status="active", started_on=date.today()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            scheme=pw.scheme, official=pw.off_t1, household=pw.household_a, status="active", started_on=date.today()
        )


def test_capacity_is_the_smaller_of_n_and_the_officials_own(pw):
    scheme = Scheme.objects.create(name="N=2", org_unit=pw.county_a, capacity_per_official=2)
    create(pw, pw.households_a[0], scheme=scheme)
    create(pw, pw.households_a[1], scheme=scheme)
    with pytest.raises(DomainError) as exc:
        create(pw, pw.households_a[2], scheme=scheme)
    assert exc.value.code == "capacity"
    pw.off_t1.capacity = 1
    pw.off_t1.save()
    create(pw, pw.households_a[3], official=pw.off_t1, scheme=scheme)
    with pytest.raises(DomainError):
        create(pw, pw.households_a[4], official=pw.off_t1, scheme=scheme)


def test_same_county_unless_the_scheme_allows_wider(pw):
    with pytest.raises(DomainError) as exc:
        pairing_create(actor=None, scheme=pw.scheme, official=pw.official_a, household=pw.household_b)
    assert exc.value.code == "cross_county"
    with pytest.raises(OutOfScope):
        create(pw, pw.household_b, official=pw.official_a, user="county_office_b")
    # A prefecture scheme that allows it: the household's own county office pairs it with an
    # official of another county; the prefecture office, which reads no personal record, cannot.
    wide = scheme_create(actor=pw.user("prefecture_office"), org_unit=pw.prefecture, name="跨县", cross_county=True)
    with pytest.raises(OutOfScope):
        create(pw, pw.household_b, official=pw.official_a, user="prefecture_office", scheme=wide)
    assert create(pw, pw.household_b, official=pw.official_a, user="county_office_b", scheme=wide)


def test_other_county_office_can_neither_pair_nor_see(pw):
    with pytest.raises(OutOfScope):
        create(pw, pw.household_a, user="county_office_b")
    create(pw, pw.household_a)
    assert pairings_for(actor=pw.user("county_office_b")).count() == 0
    assert pairings_for(actor=pw.user("county_office")).count() == 1
    assert pairings_for(actor=pw.user("sysadmin")).count() == 0


def test_only_the_office_manages_pairings(pw):
    with pytest.raises(DomainError) as exc:
        create(pw, pw.household_a, user="reviewer")
    assert exc.value.code == "forbidden"


def test_scheme_rules(pw):
    with pytest.raises(DomainError):
        scheme_create(actor=pw.user("county_office"), org_unit=pw.county_a, name="x", cross_county=True)
    with pytest.raises(OutOfScope):
        scheme_create(actor=pw.user("county_office_b"), org_unit=pw.county_a, name="x")
    office = pw.user("county_office")
    scheme = scheme_create(actor=office, org_unit=pw.county_a, name="雪岭县结对", capacity_per_official=4)
    assert scheme.capacity_per_official == 4
    # A county office sees its own and the prefecture's scheme, not county B's.
    Scheme.objects.create(name="云溪县结对", org_unit=pw.county_b)
    names = set(schemes_for(actor=pw.user("county_office")).values_list("name", flat=True))
    assert names == {"石榴州结对认亲", "雪岭县结对"}


def test_transitions_follow_the_map(pw):
    pairing = create(pw, pw.household_a)
    with pytest.raises(DomainError):
        pairing_transition(actor=pw.user("county_office"), pairing=pairing, to=PairingStatus.ENDED)  # no reason
    ended = pairing_transition(
        actor=pw.user("county_office"), pairing=pairing, to=PairingStatus.ENDED, reason=EndReason.OFFICE_CHANGED
    )
    assert ended.ended_on is not None and ended.end_reason == "office_changed"
    with pytest.raises(DomainError) as exc:
        pairing_transition(actor=pw.user("county_office"), pairing=ended, to=PairingStatus.ACTIVE)
    assert exc.value.code == "transition"
    assert list(household_history(actor=pw.user("county_office"), household=pw.household_a)) == [ended]


def test_accepting_a_proposal_rechecks_consent_and_capacity(pw):
    proposals = [
        Pairing.objects.create(scheme=pw.scheme, official=pw.off_t1, household=h, status="proposed")
        for h in pw.households_a[:5]
    ]
    pw.households_a[0].consent_withdrawn_on = date(2026, 2, 1)
    pw.households_a[0].save()
    result = proposals_accept(
        actor=pw.user("county_office"), org=pw.county_a, scheme=pw.scheme, ids=[p.pk for p in proposals]
    )
    # N=3: the first is no longer consenting, three are accepted, the fifth finds the official full.
    assert result == {"accepted": 3, "skipped": {"no_consent": 1, "capacity": 1}}
    assert Pairing.objects.filter(status="active", official=pw.off_t1).count() == 3
    assert AuditEvent.objects.filter(action="pairing.accept", detail__accepted=3).exists()


def test_accept_is_scoped(pw):
    Pairing.objects.create(scheme=pw.scheme, official=pw.official_b, household=pw.household_b, status="proposed")
    with pytest.raises(OutOfScope):
        proposals_accept(actor=pw.user("county_office"), org=pw.county_b, scheme=pw.scheme)
    result = proposals_accept(actor=pw.user("county_office"), org=pw.county_a, scheme=pw.scheme)
    assert result["accepted"] == 0
    assert Pairing.objects.get(household=pw.household_b).status == "proposed"


def test_my_families_are_the_officials_own(pw):
    create(pw, pw.household_a)
    create(pw, pw.households_a[1], official=pw.off_t1)
    official_user = pw.user("official")
    assert [p.household for p in my_pairings(official_user)] == [pw.household_a]
    assert list(my_households(official_user)) == [pw.household_a]
    assert not my_pairings(pw.user("county_office")).exists()
