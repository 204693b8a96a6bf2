"""Matching runs against the database: who is proposed, why, what is kept and what is reported."""

import pytest

from shiliu.conftest import HouseholdFactory, OfficialFactory
from shiliu.core.errors import DomainError
from shiliu.pairings.engine import run_match
from shiliu.pairings.matching import Params, haversine_km
from shiliu.pairings.models import MatchRun, Pairing, Scheme
from shiliu.pairings.services import pairing_create


def match(pw, org=None, scheme=None, **kw) -> MatchRun:
    return run_match(actor=pw.user("county_office"), scheme=scheme or pw.scheme, org=org or pw.county_a, **kw)


def proposals(run):
    return {p.household.code: p for p in Pairing.objects.filter(match_run=run).select_related("household", "official")}


def test_every_consenting_unpaired_household_gets_a_proposal(pw):
    run = match(pw)
    got = proposals(run)
    assert set(got) == {h.code for h in pw.households_a}
    assert pw.no_consent.code not in got
    assert all(p.status == "proposed" and p.official.unit.path.startswith(pw.county_a.path) for p in got.values())
    s = run.summary
    assert (s["households"], s["consenting"], s["paired_before"], s["candidates"], s["proposed"]) == (8, 7, 0, 7, 7)
    assert s["uncovered"] == 0 and s["uncovered_by_county"] == []
    assert s["total_cost"] == sum(p.cost for p in got.values())
    assert run.status == "done"


def test_proposals_explain_themselves(pw):
    got = proposals(match(pw))
    # 卓嘎 speaks Tibetan only: the township's Tibetan speaker 次仁 is nearest of the Tibetan speakers.
    p = got["9933010010010002"]
    assert p.official == pw.off_t2
    assert p.shared_languages == "bo"
    assert p.distance_km == pytest.approx(float(haversine_km(30.12, 101.12, 30.1, 101.1)), abs=0.01)
    assert 1 <= p.official_load <= 3
    # 刘强 speaks Sichuanese: 王芳 (zh,zh-sc) at the township, not 李建国 (zh,bo) at the county seat.
    assert got["9933010010010004"].official == pw.off_t1
    assert got["9933010010010004"].shared_languages == "zh-sc"
    # 陈静 recorded no language: nothing shared is shown, and no penalty was charged.
    assert got["9933010010020003"].shared_languages == ""
    loads = {}
    for p in got.values():
        loads[p.official_id] = loads.get(p.official_id, 0) + 1
    assert max(loads.values()) <= 3


def test_existing_pairings_are_kept_and_hold_capacity(pw):
    for h in pw.households_a[:3]:
        pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.off_t1, household=h)
    run = match(pw)
    got = proposals(run)
    assert set(got) == {h.code for h in pw.households_a[3:]}
    assert pw.off_t1.pk not in {p.official_id for p in got.values()}  # full at N=3
    assert run.summary["paired_before"] == 3


def test_a_new_run_replaces_earlier_proposals(pw):
    first = match(pw)
    second = match(pw)
    assert Pairing.objects.filter(status="proposed").count() == 7
    assert not Pairing.objects.filter(match_run=first).exists()
    assert second.summary["replaced_proposals"] == 7


def test_capacity_shortfall_is_reported_per_county(pw):
    tight = Scheme.objects.create(name="N=1", org_unit=pw.prefecture, capacity_per_official=1)
    run = match(pw, scheme=tight)
    s = run.summary
    assert (s["proposed"], s["uncovered"]) == (3, 4)
    assert s["uncovered_by_county"] == [
        {
            "county": "993301000000",
            "name": "雪岭县",
            "households": 4,
            "officials": 3,
            "free_capacity": 3,
            "officials_needed": 4,
            "reason": "capacity",
        }
    ]


def test_county_without_officials_is_reported(pw):
    pw.official_b.active = False
    pw.official_b.save()
    run = match(pw, org=pw.county_b)
    assert run.summary["uncovered_by_county"][0]["reason"] == "no_officials"
    assert run.summary["uncovered_by_county"][0]["households"] == 1


def test_prefecture_is_matched_county_by_county(pw):
    run = run_match(actor=pw.user("prefecture_office"), scheme=pw.scheme, org=pw.prefecture)
    got = proposals(run)
    assert len(got) == 8
    assert got[pw.household_b.code].official == pw.official_b
    for p in got.values():
        assert p.official.unit.path.split("/")[3] == p.household.village.path.split("/")[3]


def test_cross_county_scheme_lets_a_short_county_borrow(pw):
    pw.official_b.active = False
    pw.official_b.save()
    wide = Scheme.objects.create(name="跨县", org_unit=pw.prefecture, capacity_per_official=3, cross_county=True)
    got = proposals(run_match(actor=None, scheme=wide, org=pw.prefecture))
    assert got[pw.household_b.code].official.unit.path.startswith(pw.county_a.path)


def test_missing_coordinates_fall_back_to_the_ancestor(pw):
    from shiliu.conftest import make_unit
    from shiliu.orgs.models import Level

    village = make_unit("993301001003", "无坐标村", Level.VILLAGE, pw.township_a)
    hh = HouseholdFactory(village=village, code="9933010010030001", head_name="洛绒", languages="zh-sc")
    run = match(pw)
    assert run.summary["coordinates"]["villages_from_ancestor"] == 1
    p = Pairing.objects.get(match_run=run, household=hh)
    assert p.official == pw.off_t1 and p.distance_km == pytest.approx(0.0, abs=0.01)  # township to township


def test_inactive_officials_and_other_schemes_do_not_count(pw):
    pw.off_t2.active = False
    pw.off_t2.save()
    other = Scheme.objects.create(name="另一方案", org_unit=pw.county_a, capacity_per_official=1)
    pairing_create(actor=pw.user("county_office"), scheme=other, official=pw.off_t1, household=pw.household_a)
    got = proposals(match(pw))
    assert pw.off_t2.pk not in {p.official_id for p in got.values()}
    assert len(got) == 6  # capacity 3 + 3; 陈静 or another waits
    assert pw.household_a.code in got  # paired in another scheme only


def test_scope_outside_the_scheme_is_refused(pw):
    county_scheme = Scheme.objects.create(name="县级", org_unit=pw.county_a)
    with pytest.raises(DomainError):
        match(pw, org=pw.county_b, scheme=county_scheme)


def test_many_households_per_village_are_all_covered_when_capacity_allows(pw):
    for i in range(40):
        OfficialFactory(unit=pw.gov_a, code=f"GX{i:04d}", languages="zh")
    for i in range(120):
        HouseholdFactory(village=pw.village_a, code=f"99330100100100{i + 10:02d}x", languages="zh-sc")
    run = match(pw)
    assert run.summary["uncovered"] == 0 and run.summary["proposed"] == 127


def test_cross_county_shortfall_names_the_county_that_lacks_officials(pw):
    pw.official_b.active = False
    pw.official_b.save()
    wide = Scheme.objects.create(name="跨县N=1", org_unit=pw.prefecture, capacity_per_official=1, cross_county=True)
    run = run_match(actor=None, scheme=wide, org=pw.prefecture, params=Params(cross_neighbours=0))
    assert run.summary["uncovered_by_county"] == [
        {
            "county": "993301000000",
            "name": "雪岭县",
            "households": 4,
            "officials": 3,
            "free_capacity": 3,
            "officials_needed": 4,
            "reason": "capacity",
        },
        {
            "county": "993302000000",
            "name": "云溪县",
            "households": 1,
            "officials": 0,
            "free_capacity": 0,
            "officials_needed": 1,
            "reason": "no_officials",
        },
    ]
