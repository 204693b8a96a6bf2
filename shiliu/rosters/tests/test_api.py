"""The roster API: upload to a job, poll it, read the run and its errors; scoped like the pages."""

from django.core.files.uploadedfile import SimpleUploadedFile

from shiliu.accounts.services import api_token_create
from shiliu.rosters.models import ImportRun
from shiliu.rosters.tests.conftest import HH, csv_bytes, household_row


def _headers(world, name):
    return {"Authorization": f"Bearer {api_token_create(user=world.user(name))}"}


def test_api_import_job_and_run(world, client, django_capture_on_commit_callbacks):
    headers = _headers(world, "county_office")
    content = csv_bytes(HH, [household_row("9933010010019001"), household_row("9933010010019002", 家庭人口=0)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/rosters/imports",
            {"kind": "households", "dry_run": "false", "file": SimpleUploadedFile("a.csv", content)},
            headers=headers,
        )
    assert response.status_code == 202
    job = client.get(f"/api/v1/rosters/jobs/{response.json()['id']}", headers=headers).json()
    assert job["status"] == "done" and job["result"]["errors"] == 1
    run = client.get(f"/api/v1/rosters/imports/{job['result']['run']}", headers=headers).json()
    assert run["status"] == "rejected" and run["has_report"] is True
    assert run["errors"] == [{"row": 3, "column": "家庭人口", "value": "0", "reason": "应在1到30之间"}]
    listing = client.get("/api/v1/rosters/imports", headers=headers).json()
    assert listing["count"] == 1
    other = _headers(world, "county_office_b")
    assert client.get(f"/api/v1/rosters/imports/{run['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/rosters/imports", headers=other).json()["count"] == 0
    assert client.get(f"/api/v1/rosters/jobs/{job['id']}", headers=other).status_code == 404


def test_api_template_and_refusals(world, client):
    headers = _headers(world, "county_office")
    response = client.get("/api/v1/rosters/templates/households", headers=headers)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    response = client.post(
        "/api/v1/rosters/imports",
        {"kind": "households", "file": SimpleUploadedFile("a.pdf", b"%PDF")},
        headers=headers,
    )
    assert response.status_code == 400
    response = client.post(
        "/api/v1/rosters/imports",
        {"kind": "households", "file": SimpleUploadedFile("a.csv", b"x")},
        headers=_headers(world, "department_clerk"),
    )
    assert response.status_code == 400 and not ImportRun.objects.exists()
    response = client.post(
        "/api/v1/rosters/exports",
        {"kind": "households", "org": "993301000000"},
        headers=_headers(world, "county_office_b"),
    )
    assert response.status_code == 404
