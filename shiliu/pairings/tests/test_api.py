"""Pairing API: coverage, lists, the official's own families, matching and acceptance; scoped, never 500."""

import pytest

from shiliu.accounts.services import api_token_create
from shiliu.pairings.engine import run_match
from shiliu.pairings.models import Pairing
from shiliu.pairings.services import pairing_create


def auth(pw, name):
    return {"Authorization": f"Bearer {api_token_create(user=pw.user(name))}"}


def test_coverage_endpoint(pw, client):
    pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.off_t1, household=pw.household_a)
    body = client.get(f"/api/v1/pairings/coverage?org={pw.prefecture.code}", headers=auth(pw, "county_office"))
    assert body.status_code == 404  # the prefecture is above a county office's scope
    response = client.get(f"/api/v1/pairings/coverage?org={pw.prefecture.code}", headers=auth(pw, "prefecture_office"))
    body = response.json()
    assert body["total"]["households"] == 9 and body["total"]["consenting"] == 8 and body["total"]["paired"] == 1
    a, b = body["children"]
    assert (a["code"], a["households"], a["paired"], a["coverage_pct"]) == ("993301000000", 8, 1, 14.3)
    assert (a["officials"], a["officials_without_household"], a["officials_at_capacity"]) == (3, 2, 0)
    assert (b["code"], b["paired"], b["coverage_pct"]) == ("993302000000", 0, 0.0)
    scoped = client.get(
        f"/api/v1/pairings/coverage?org={pw.county_a.code}&scheme={pw.scheme.pk}", headers=auth(pw, "county_office")
    ).json()
    assert scoped["scheme"] == pw.scheme.pk and scoped["children"][0]["name"] == "桑格乡"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pairings/coverage?org=993301000000",
        "/api/v1/pairings?org=993301000000",
        "/api/v1/pairings/schemes?org=993301000000",
    ],
)
def test_other_county_is_404(pw, client, url):
    response = client.get(url, headers=auth(pw, "county_office_b"))
    assert response.status_code == 404 and response.json() == {"detail": "未找到"}


def test_bad_input_is_4xx(pw, client):
    headers = auth(pw, "county_office")
    assert client.get("/api/v1/pairings/coverage", headers=headers).status_code == 422
    assert client.get("/api/v1/pairings?status=nonsense", headers=headers).status_code == 422
    assert client.get("/api/v1/pairings/abc", headers=headers).status_code in (404, 422)
    assert client.get("/api/v1/pairings/coverage?org=993301000000&scheme=99999", headers=headers).status_code == 404
    assert client.get("/api/v1/pairings/coverage?org=993301000000").status_code == 401


def test_list_and_detail(pw, client):
    run = run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    run_match(actor=pw.user("county_office_b"), scheme=pw.scheme, org=pw.county_b)
    body = client.get("/api/v1/pairings?status=proposed", headers=auth(pw, "county_office")).json()
    assert body["count"] == 7
    first = body["results"][0]
    assert first["match_run_id"] == run.pk and first["distance_km"] is not None and "official_load" in first
    other = Pairing.objects.get(household=pw.household_b)
    assert client.get(f"/api/v1/pairings/{other.pk}", headers=auth(pw, "county_office")).status_code == 404
    assert client.get(f"/api/v1/pairings/{first['id']}", headers=auth(pw, "county_office")).status_code == 200
    assert (
        client.get(f"/api/v1/pairings/runs/{run.pk}", headers=auth(pw, "county_office")).json()["summary"]["proposed"]
        == 7
    )
    assert client.get(f"/api/v1/pairings/runs/{run.pk}", headers=auth(pw, "county_office_b")).status_code == 404


def test_match_and_accept(pw, client, django_capture_on_commit_callbacks):
    headers = auth(pw, "county_office")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/pairings/match",
            {"org": pw.county_a.code, "scheme": pw.scheme.pk},
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 202
    job = client.get(f"/api/v1/pairings/jobs/{response.json()['job_id']}", headers=headers).json()
    assert job["status"] == "done" and job["result"]["proposed"] == 7
    response = client.post(
        "/api/v1/pairings/accept",
        {"org": pw.county_a.code, "scheme": pw.scheme.pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.json() == {"accepted": 7, "skipped": {}}


def test_match_refusals(pw, client):
    payload = {"org": pw.county_a.code, "scheme": pw.scheme.pk}
    response = client.post(
        "/api/v1/pairings/match", payload, content_type="application/json", headers=auth(pw, "county_office_b")
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/pairings/match", payload, content_type="application/json", headers=auth(pw, "reviewer")
    )
    assert response.status_code == 400 and response.json()["code"] == "forbidden"
    response = client.post(
        "/api/v1/pairings/match",
        {"org": pw.village_a.code, "scheme": pw.scheme.pk},
        content_type="application/json",
        headers=auth(pw, "county_office"),
    )
    assert response.status_code == 400 and response.json()["detail"]
    response = client.post(
        "/api/v1/pairings/accept",
        {**payload, "ids": []},
        content_type="application/json",
        headers=auth(pw, "county_office"),
    )
    assert response.status_code == 400


def test_mine(pw, client):
    pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.official_a, household=pw.household_a)
    body = client.get("/api/v1/pairings/mine", headers=auth(pw, "official")).json()
    assert [p["household_code"] for p in body] == [pw.household_a.code]
    assert client.get("/api/v1/pairings/mine", headers=auth(pw, "county_office")).json() == []


def test_create_and_end_by_hand(pw, client):
    headers = auth(pw, "county_office")
    payload = {"scheme": pw.scheme.pk, "official": pw.official_a.pk, "household": pw.household_a.pk}
    response = client.post("/api/v1/pairings", payload, content_type="application/json", headers=headers)
    assert response.status_code == 201 and response.json()["status"] == "active"
    again = client.post("/api/v1/pairings", payload, content_type="application/json", headers=headers)
    assert again.status_code == 400 and again.json()["code"] == "already_paired"
    no_consent = {**payload, "household": pw.no_consent.pk}
    response = client.post("/api/v1/pairings", no_consent, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "no_consent"
    other = {**payload, "household": pw.household_b.pk}
    response = client.post("/api/v1/pairings", other, content_type="application/json", headers=headers)
    assert response.status_code == 404
    pairing_id = Pairing.objects.get(status="active").pk
    response = client.post(
        f"/api/v1/pairings/{pairing_id}/end", {"reason": "nonsense"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    response = client.post(
        f"/api/v1/pairings/{pairing_id}/end",
        {"reason": "office_changed"},
        content_type="application/json",
        headers=auth(pw, "county_office_b"),
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/pairings/{pairing_id}/end",
        {"reason": "office_changed"},
        content_type="application/json",
        headers=headers,
    )
    assert response.json()["status"] == "ended" and response.json()["end_reason"] == "office_changed"
