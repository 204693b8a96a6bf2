"""Bulk loading: rows land as given, and on PostgreSQL indexes come back exactly as they were."""

import pytest
from django.db import connection

from shiliu.core.bulk import bulk_load, deferred_indexes, next_id, reset_sequences
from shiliu.orgs.models import Level, OrgUnit
from shiliu.people.models import Household, Official

pytestmark = pytest.mark.django_db

TABLES = ("orgs_orgunit", "people_official", "people_household")


def _catalog() -> set[tuple]:
    """Every index and constraint definition of the loaded tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)]
        )
        indexes = {("index", *row) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[])",
            [list(TABLES)],
        )
        return indexes | {("constraint", *row) for row in cursor.fetchall()}


def _load_units(n: int = 3) -> None:
    bulk_load(
        OrgUnit,
        ["id", "code", "name", "level", "kind", "parent_id", "path", "depth", "active"],
        [
            (i, f"99{i:010d}", f"单位{i}", Level.PROVINCE, "area", None, f"/99{i:010d}/", 0, True)
            for i in range(1, n + 1)
        ],
    )


def test_bulk_load_inserts_rows_and_moves_sequences():
    _load_units()
    reset_sequences(OrgUnit)
    assert OrgUnit.objects.count() == 3 and next_id(OrgUnit) == 4
    unit = OrgUnit.objects.create(
        code="990000000099", name="新单位", level=Level.PROVINCE, path="/990000000099/", depth=0
    )
    assert unit.pk == 4


def test_deferred_indexes_restores_the_catalog_exactly():
    if connection.vendor != "postgresql":
        pytest.skip("indexes are deferred on PostgreSQL only")
    before = _catalog()
    with deferred_indexes(OrgUnit, Official, Household) as deferred:
        assert "orgs_orgunit_path_key" in deferred
        during = _catalog()
        _load_units()
    assert {row[2] for row in before - during} >= set(deferred), "everything deferred was dropped"
    assert not any(row[2].endswith("_pkey") for row in before - during), "primary keys stay"
    assert _catalog() == before


def test_deferred_indexes_checks_uniqueness_when_rebuilding():
    if connection.vendor != "postgresql":
        pytest.skip("indexes are deferred on PostgreSQL only")
    from django.db import IntegrityError

    before = _catalog()
    with pytest.raises(IntegrityError), deferred_indexes(OrgUnit):
        _load_units()
        bulk_load(
            OrgUnit,
            ["id", "code", "name", "level", "kind", "path", "depth", "active"],
            [(9, "990000000001", "重复", Level.PROVINCE, "area", "/dup/", 0, True)],
        )
    assert _catalog() == before, "a failed load leaves the indexes in place"
    assert not OrgUnit.objects.exists()


def test_deferred_indexes_is_a_no_op_elsewhere():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite keeps its indexes")
    with deferred_indexes(OrgUnit) as deferred:
        _load_units()
    assert deferred == [] and OrgUnit.objects.count() == 3


def test_copy_types_come_from_the_model():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from shiliu.core.bulk import _pg_types

    connection.ensure_connection()
    types = _pg_types(OrgUnit, ["id", "path", "latitude", "active"])
    assert types == ["bigint", "varchar", "double precision", "boolean"]
    assert _pg_types(OrgUnit, ["id", "no_such_column"]) is None
