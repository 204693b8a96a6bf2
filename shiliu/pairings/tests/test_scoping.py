"""The generic scoping test, for the pairing models (core's test covers OrgUnit, Official, Household)."""

import pytest

from shiliu.pairings.engine import run_match
from shiliu.pairings.models import MatchRun, Pairing, Scheme


@pytest.fixture
def both_counties(pw):
    Scheme.objects.create(name="雪岭县", org_unit=pw.county_a)
    Scheme.objects.create(name="云溪县", org_unit=pw.county_b)
    run_match(actor=None, scheme=pw.scheme, org=pw.prefecture)
    return pw


@pytest.mark.parametrize("model", [Scheme, Pairing, MatchRun], ids=lambda m: m.__name__)
def test_restrict_keeps_county_subtree(both_counties, model):
    pw = both_counties
    if model is MatchRun:
        run_match(actor=None, scheme=pw.scheme, org=pw.county_a)
        run_match(actor=None, scheme=pw.scheme, org=pw.county_b)
    visible = set(model.objects.restrict(pw.user("county_office")).values_list("pk", flat=True))
    other = set(model.objects.restrict(pw.user("county_office_b")).values_list("pk", flat=True))
    assert visible and other and not visible & other
    upper = model.objects.restrict(pw.user("prefecture_office")).count()
    if model is Pairing:
        assert upper == 0, "pairings are personal: the prefecture sees coverage aggregates only"
    else:
        assert upper >= len(visible) + len(other)


def test_pairings_are_hidden_from_the_administrators(both_counties):
    for name in ("sysadmin", "secadmin", "auditadmin"):
        assert not Pairing.objects.restrict(both_counties.user(name)).exists()
