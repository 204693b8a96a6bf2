"""Fast bulk loading: COPY on PostgreSQL, executemany on SQLite.

Used by the demo seeder and the roster importer, where bulk_create is several times slower.
Rows carry explicit primary keys; sequences are moved past them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, models, transaction


def next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _pg_types(model: type[models.Model], columns: Sequence[str]) -> list[str] | None:
    """PostgreSQL type names of ``columns`` ("varchar(32)" -> "varchar"), from the model's fields.

    None when a column is not a plain registered type (arrays, custom types, unknown columns):
    psycopg then picks a dumper per value, as without ``set_types``.
    """
    by_column = {f.column: f for f in model._meta.concrete_fields}
    registry = connection.connection.adapters.types
    names = []
    for column in columns:
        field = by_column.get(column)
        db_type = field.db_type(connection) if field is not None else None
        if not db_type or "[" in db_type or registry.get(db_type.split("(")[0]) is None:
            return None
        names.append(db_type.split("(")[0])
    return names


def bulk_load(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, database column names) into ``model``'s table."""
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                types = _pg_types(model, columns)
                if types:
                    copy.set_types(types)  # saves a dumper lookup per value
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            sql = (
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
            )
            batch: list[Sequence] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


@dataclass(frozen=True)
class _Deferred:
    """One index or constraint taken off a table during a load, with the SQL that restores it."""

    table: str
    name: str
    drop: str
    create: str


# Unique and foreign-key constraints of the tables, except those another table's foreign key
# depends on (dropping them would need CASCADE). Primary keys stay.
_CONSTRAINTS_SQL = """
SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = ANY(%s::regclass[])
  AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
        SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)))
ORDER BY c.contype DESC, c.conname
"""
# Indexes that no constraint owns (the primary key's, unique constraints' and exclusion
# constraints' indexes go with their constraints).
_INDEXES_SQL = """
SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = ANY(%s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
ORDER BY c.relname
"""


def _deferrable(tables: list[str]) -> tuple[list[_Deferred], list[_Deferred], list[_Deferred]]:
    """Read the definitions back from the catalog, so they are restored exactly as migrations made them.

    Table names come from ``regclass::text``, which is already quoted where needed.
    """
    q = connection.ops.quote_name
    uniques, indexes, foreign_keys = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(_CONSTRAINTS_SQL, [tables])
        for table, name, kind, definition in cursor.fetchall():
            item = _Deferred(
                table,
                name,
                f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}",
                f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}",
            )
            (uniques if kind == "u" else foreign_keys).append(item)
        cursor.execute(_INDEXES_SQL, [tables])
        for table, name, definition in cursor.fetchall():
            indexes.append(_Deferred(table, name, f"DROP INDEX {q(name)}", definition))
    return uniques, indexes, foreign_keys


@contextmanager
def deferred_indexes(*models_: type[models.Model]) -> Iterator[list[str]]:
    """Load into ``models_``' tables without their secondary indexes and constraints.

    On PostgreSQL the unique constraints, foreign keys and plain indexes (not the primary keys)
    are dropped on entry and recreated on exit, inside one transaction: building an index once
    over sorted data is much cheaper than maintaining it row by row during COPY, and one
    foreign-key validation query replaces a deferred trigger per row. If loading fails the
    transaction rolls back and the indexes were never gone. Other databases load as they are.
    Yields the names of what was deferred.
    """
    if connection.vendor != "postgresql":
        yield []
        return
    tables = [m._meta.db_table for m in models_]
    with transaction.atomic():
        uniques, indexes, foreign_keys = _deferrable(tables)
        # ALTER TABLE refuses a table with pending deferred trigger events: check them now,
        # as loaddata does (the constraints stay deferred afterwards).
        connection.check_constraints()
        with connection.cursor() as cursor:
            for item in [*foreign_keys, *uniques, *indexes]:
                cursor.execute(item.drop)
        yield [item.name for item in [*uniques, *indexes, *foreign_keys]]
        connection.check_constraints()
        with connection.cursor() as cursor:
            for item in [*uniques, *indexes, *foreign_keys]:
                cursor.execute(item.create)


def reset_sequences(*models_: type[models.Model]) -> None:
    """After loading explicit ids, move PostgreSQL sequences past them (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def bulk_update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Update rows by primary key; each row is ``(pk, *values)`` in ``columns`` order. Returns rows updated.

    PostgreSQL: COPY into a temporary staging table and one set-based UPDATE ... FROM;
    SQLite: executemany. Call inside a transaction.
    """
    if not rows:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    cols = [qn(c) for c in columns]
    updated = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = qn(f"stage_{model._meta.db_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {pk}, {', '.join(cols)} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY {stage} ({pk}, {', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {stage}")
            assignments = ", ".join(f"{c} = s.{c}" for c in cols)
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {stage} AS s WHERE t.{pk} = s.{pk}")
            updated = cursor.rowcount
            cursor.execute(f"DROP TABLE {stage}")
        else:
            sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in cols)} WHERE {pk} = %s"
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, [(*row[1:], row[0]) for row in rows[start : start + 5000]])
                updated += cursor.rowcount
    return updated
