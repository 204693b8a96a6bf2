"""Generic scoping test: for every scoped model and endpoint, a county-A persona sees county A only."""

import pytest
from django.apps import apps
from django.urls import reverse

from shiliu.accounts.services import api_token_create
from shiliu.core.scoping import ScopedQuerySet
from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official


def _scoped_models():
    return [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]


def test_every_scoped_model_is_discovered():
    assert {OrgUnit, Official, Household} <= set(_scoped_models())


@pytest.mark.parametrize("model", _scoped_models(), ids=lambda m: m._meta.label)
def test_restrict_keeps_county_subtree(world, model):
    """Generic over every model with a scoped manager: the two counties' views never overlap."""
    user = world.user("county_office")
    visible = model.objects.restrict(user)
    other = model.objects.restrict(world.user("county_office_b"))
    if model in {OrgUnit, Official, Household}:
        assert visible.exists() and other.exists()
    assert not set(visible.values_list("pk", flat=True)) & set(other.values_list("pk", flat=True))
    upper = model.objects.restrict(world.user("prefecture_office")).count()
    if model._default_manager.all().personal:
        assert upper == 0, "personal records stay with the serving units; upper levels see aggregates"
    else:
        assert upper >= visible.count() + other.count()


def _objects(world):
    return {
        "household": (world.household_a, world.household_b),
        "official": (world.official_a, world.official_b),
    }


PAGE_URLS = {
    "household": "people:household_detail",
    "official": "people:official_detail",
}
API_URLS = {"household": "/api/v1/households/{}", "official": "/api/v1/officials/{}"}


@pytest.mark.parametrize("kind", sorted(PAGE_URLS))
def test_detail_pages_404_outside_scope(world, kind):
    own, other = _objects(world)[kind]
    client = world.client("county_office")
    assert client.get(reverse(PAGE_URLS[kind], args=[own.pk])).status_code == 200
    assert client.get(reverse(PAGE_URLS[kind], args=[other.pk])).status_code == 404
    assert client.get(reverse(PAGE_URLS[kind], args=[987654])).status_code == 404


@pytest.mark.parametrize("kind", sorted(API_URLS))
def test_api_detail_404_outside_scope(world, kind, client):
    own, other = _objects(world)[kind]
    headers = {"Authorization": f"Bearer {api_token_create(user=world.user('county_office'))}"}
    assert client.get(API_URLS[kind].format(own.pk), headers=headers).status_code == 200
    response = client.get(API_URLS[kind].format(other.pk), headers=headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}


@pytest.mark.parametrize("url,needle", [("/households/", "卓玛"), ("/officials/", "张卫东")])
def test_lists_and_exports_hide_other_county(world, url, needle):
    client = world.client("county_office")
    assert needle not in client.get(url).content.decode()
    from io import BytesIO

    import openpyxl

    response = client.get(url + "?export=xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(BytesIO(response.content))
    values = [str(c.value) for row in wb.active.iter_rows() for c in row]
    assert needle not in values
    assert len(wb.active["A"]) >= 2


@pytest.mark.parametrize(
    "url",
    ["/api/v1/households?org=993302000000", "/api/v1/org-units/993302000000", "/api/v1/officials?org=993302000000"],
)
def test_api_filter_on_other_county_is_404(world, client, url):
    headers = {"Authorization": f"Bearer {api_token_create(user=world.user('county_office'))}"}
    assert client.get(url, headers=headers).status_code == 404


def test_page_org_filter_on_other_county_is_404(world):
    client = world.client("county_office")
    assert client.get("/households/?org=993302000000").status_code == 404
    assert client.get("/orgs/993302000000/children/").status_code == 404
    assert client.get("/orgs/993301000000/children/").status_code == 200


def test_upper_levels_see_aggregates_not_personal_records(world, client):
    """DESIGN §1: personal data stays with the unit that serves the family."""
    office = world.client("prefecture_office")
    assert office.get(reverse("people:household_detail", args=[world.household_a.pk])).status_code == 404
    assert office.get(reverse("people:official_detail", args=[world.official_a.pk])).status_code == 404
    assert "扎西" not in office.get("/households/").content.decode()
    assert "石榴州" in office.get("/orgs/").content.decode()
    assert "雪岭县" in office.get(f"/orgs/{world.prefecture.code}/children/").content.decode()
    headers = {"Authorization": f"Bearer {api_token_create(user=world.user('prefecture_office'))}"}
    assert client.get(f"/api/v1/households/{world.household_a.pk}", headers=headers).status_code == 404
    assert client.get("/api/v1/households", headers=headers).json()["count"] == 0
    coverage = client.get(f"/api/v1/pairings/coverage?org={world.prefecture.code}", headers=headers).json()
    assert coverage["total"]["households"] == 3
    township = world.client("township_office")
    assert township.get(reverse("people:household_detail", args=[world.household_a.pk])).status_code == 200


def test_restrict_within_a_subtree(world):
    county = world.user("county_office")
    inside = Household.objects.restrict(county, within=world.village_a.path)
    assert list(inside.values_list("code", flat=True)) == [world.household_a.code]
    above = Household.objects.restrict(county, within=world.prefecture.path)
    assert set(above) == set(Household.objects.restrict(county)) and world.household_b not in above
    assert not Household.objects.restrict(county, within=world.county_b.path).exists()
    assert not Household.objects.restrict(world.user("sysadmin"), within=world.village_a.path).exists()
