"""The demo builder: deterministic for a seed, and its logins file works."""

import json
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from shiliu.accounts.models import RoleCode, User
from shiliu.core.demo import SCALES
from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official

pytestmark = pytest.mark.django_db


def _seed(seed: int, **options) -> dict:
    out = StringIO()
    call_command("seed_demo", scale="small", seed=seed, stdout=out, stderr=StringIO(), **options)
    return json.loads(out.getvalue().splitlines()[0])


def _rows() -> tuple[list, list, list]:
    def snapshot(model):
        return list(model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields]))

    return snapshot(OrgUnit), snapshot(Official), snapshot(Household)


def _wipe() -> None:
    """Empty the demo tables again (inside the test's transaction), children before parents."""
    tables = [
        "pairings_pairing",
        "pairings_matchrun",
        "pairings_scheme",
        "accounts_role",
        "accounts_apitoken",
        "accounts_user",
        "people_household",
        "people_official",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("DELETE FROM orgs_orgunit WHERE depth > 0")
        cursor.execute("DELETE FROM orgs_orgunit")


def test_same_seed_same_rows_other_seed_other_rows():
    counts = _seed(7)
    small = SCALES["small"]
    assert (counts["officials"], counts["households"]) == (small.officials, small.households)
    first = _rows()
    assert len(first[2]) == small.households and len(first[1]) == small.officials
    _wipe()
    _seed(7)
    assert _rows() == first
    _wipe()
    _seed(8)
    other = _rows()
    assert other[1] != first[1]
    assert other[2] != first[2]


def test_refuses_a_database_with_data():
    _seed(1)
    with pytest.raises(Exception, match="空数据库"):
        _seed(1)


def test_logins_file_lists_personas_that_can_log_in(tmp_path, client):
    path = tmp_path / "logins.json"
    _seed(3, logins=str(path))
    assert os.stat(path).st_mode & 0o777 == 0o600, "the file holds passwords"
    logins = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(logins, list) and logins
    for entry in logins:
        assert set(entry) == {"username", "password", "role", "org_code"}
        assert entry["role"] in RoleCode.values
        assert OrgUnit.objects.filter(code=entry["org_code"]).exists()
        assert User.objects.get(username=entry["username"]).roles.filter(role=entry["role"]).exists()
    assert {e["role"] for e in logins} == set(RoleCode.values), "one persona per role at least"
    assert len({e["password"] for e in logins}) == len(logins), "generated passwords are distinct"
    for entry in logins:
        response = client.post(
            reverse("accounts:login"), {"username": entry["username"], "password": entry["password"]}
        )
        assert response.status_code == 302, entry["username"]
        client.post(reverse("accounts:logout"))
    wrong = client.post(reverse("accounts:login"), {"username": logins[0]["username"], "password": "Wrong-pass-123"})
    assert wrong.status_code == 200


def test_demo_has_a_scheme_and_capacity_for_full_coverage():
    """Officials follow the households per county, so matching the demo leaves nobody out."""
    from shiliu.pairings.models import Scheme

    _seed(3)
    assert Scheme.objects.filter(org_unit__level="prefecture", capacity_per_official=5).count() == 1
    out = StringIO()
    call_command("match", org="993300000000", processes=1, stdout=out, stderr=StringIO())
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["proposed"] == summary["candidates"] > 0
    assert summary["uncovered"] == 0
