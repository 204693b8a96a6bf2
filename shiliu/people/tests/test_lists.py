"""Household and official lists: what the API returns, the order, scope with several roots, no N+1."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shiliu.accounts.models import Role
from shiliu.accounts.services import api_token_create
from shiliu.conftest import HouseholdFactory, OfficialFactory
from shiliu.people.models import mask_phone


def _api(world, username="county_office"):
    token = api_token_create(user=world.user(username))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_household_list_and_detail_fields(world, client):
    h = world.household_a
    h.languages, h.head_id_number, h.ethnicity = "zh-sc,bo", "51330119800101123X", "藏族"
    h.save()
    headers = _api(world)
    row = next(r for r in client.get("/api/v1/households", **headers).json()["results"] if r["id"] == h.pk)
    assert row == {
        "id": h.pk,
        "code": "9933010010010001",
        "head_name": "扎西",
        "village_code": "993301001001",
        "village_name": "达塘村",
        "members": 4,
        "languages": ["bo", "zh-sc"],
        "phone": mask_phone(h.phone),
        "livelihood": "stable",
        "has_consent": True,
        "consent_given_on": "2026-01-05",
    }
    assert "ethnicity" not in row, "lists do not carry the sensitive field"
    detail = client.get(f"/api/v1/households/{h.pk}", **headers).json()
    assert detail == {
        **row,
        "head_id_number": "5133**********123X",
        "ethnicity": "藏族",
        "consent_notice_version": "2026-01",
        "consent_withdrawn_on": None,
    }


def test_withdrawn_consent_shows_in_the_list(world, client):
    world.household_a.consent_withdrawn_on = date(2026, 2, 1)
    world.household_a.save()
    results = client.get("/api/v1/households?q=扎西", **_api(world)).json()["results"]
    assert results[0]["has_consent"] is False and results[0]["consent_given_on"] == "2026-01-05"


def test_official_list_and_detail_fields(world, client):
    o = world.official_a
    headers = _api(world)
    row = next(r for r in client.get("/api/v1/officials", **headers).json()["results"] if r["id"] == o.pk)
    assert row == {
        "id": o.pk,
        "code": "G993301001",
        "name": "李建国",
        "unit_code": "993301-A01",
        "unit_name": "雪岭县委统战部",
        "phone": mask_phone(o.phone),
        "languages": ["bo", "zh"],
        "capacity": 4,
        "active": True,
    }
    assert client.get(f"/api/v1/officials/{o.pk}", **headers).json() == row


def test_default_order_follows_the_tree_and_code_sort_is_by_code(world, client):
    """雅松村 (…002) comes after 达塘村 (…001) in the tree, even with a smaller household code."""
    HouseholdFactory(village=world.village_a2, code="0000000000000001", head_name="阿呷")
    HouseholdFactory(village=world.village_a, code="9933010010010002", head_name="多吉")
    tree_order = ["9933010010010001", "9933010010010002", "0000000000000001", "9933010010020001"]
    api = [r["code"] for r in client.get("/api/v1/households", **_api(world)).json()["results"]]
    assert api == tree_order
    page = world.client("county_office")
    html = page.get("/households/").content.decode()
    assert [html.index(c) for c in tree_order] == sorted(html.index(c) for c in tree_order)
    html = page.get("/households/?sort=code").content.decode()
    assert html.index("0000000000000001") < html.index("9933010010010001")
    html = page.get("/households/?sort=-village").content.decode()
    assert html.index("9933010010020001") < html.index("9933010010010001")


def test_user_with_two_roots_sees_both(world, client):
    """The selectors' ``path >= first root`` bound must not drop a later root."""
    user = world.user("county_office")
    Role.objects.create(user=user, role="office", org_unit=world.county_b)
    headers = _api(world)
    codes = {r["code"] for r in client.get("/api/v1/households", **headers).json()["results"]}
    assert {world.household_a.code, world.household_b.code} <= codes
    officials = {r["code"] for r in client.get("/api/v1/officials", **headers).json()["results"]}
    assert {"G993301001", "G993302001"} <= officials
    html = world.client("county_office").get("/households/").content.decode()
    assert "扎西" in html and "卓玛" in html


def test_township_scope_and_org_filter(world, client):
    headers = _api(world, "township_office")
    codes = {r["code"] for r in client.get("/api/v1/households", **headers).json()["results"]}
    assert codes == {"9933010010010001", "9933010010020001"}
    data = client.get("/api/v1/households?org=993301001002", **headers).json()
    assert [r["code"] for r in data["results"]] == ["9933010010020001"] and data["count"] == 1
    assert client.get("/api/v1/households?org=993302000000", **headers).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/households?page_size={n}",
        "/api/v1/officials?page_size={n}",
        "/households/?page_size={n}",
        "/officials/?page_size={n}",
    ],
)
def test_queries_do_not_grow_with_rows(world, client, url):
    for i in range(25):
        HouseholdFactory(village=world.village_a if i % 2 else world.village_a2)
        OfficialFactory(unit=world.agency_a)
    if url.startswith("/api"):
        headers = _api(world)
    else:
        client.force_login(world.user("county_office"))
        headers = {}

    def queries(n: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url.format(n=n), **headers).status_code == 200
        return len(ctx.captured_queries)

    queries(20)
    assert queries(20) == queries(100)
