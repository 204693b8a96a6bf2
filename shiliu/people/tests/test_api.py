import pytest

from shiliu.conftest import PASSWORD
from shiliu.core.models import AuditEvent


def _token(client, username="county_office", password=PASSWORD):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


def test_token_then_list(world, client):
    response = _token(client)
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    data = client.get("/api/v1/households?page_size=1", headers=headers).json()
    assert data["count"] == 2 and len(data["results"]) == 1
    assert data["results"][0]["phone"].count("*") == 4
    data = client.get("/api/v1/households?q=扎西", headers=headers).json()
    assert [r["head_name"] for r in data["results"]] == ["扎西"]
    data = client.get("/api/v1/org-units?level=village", headers=headers).json()
    assert {r["code"] for r in data["results"]} == {"993301001001", "993301001002"}


def test_wrong_credentials_are_401_and_count_towards_lockout(world, client):
    for _ in range(5):
        assert _token(client, password="Wrong-password-1").status_code == 401
    assert _token(client).status_code == 401
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


def test_no_token_is_401(world, client):
    assert client.get("/api/v1/households").status_code == 401
    assert client.get("/api/v1/households", headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/households?page=0",
        "/api/v1/households?page_size=5000",
        "/api/v1/households?page=abc",
        "/api/v1/households/notanumber",
        "/api/v1/households?page=500",
    ],
)
def test_bad_input_is_4xx_with_reason(world, client, url):
    headers = {"Authorization": f"Bearer {_token(client).json()['token']}"}
    response = client.get(url, headers=headers)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_bad_token_body_is_4xx(world, client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_openapi_and_offline_docs(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/households" in schema["paths"]
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in html.lower() and "/static/ninja/swagger-ui-bundle.js" in html


def test_multipart_without_boundary_is_400_not_500(world, client):
    """Found by schemathesis: a multipart Content-Type with no boundary used to be a 500."""
    headers = {"Authorization": f"Bearer {_token(client).json()['token']}"}
    response = client.post(
        "/api/v1/rosters/exports", b"kind=households", content_type="multipart/form-data", headers=headers
    )
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]
