"""Validating a roster file into a plan of writes, before anything is written.

Every row is checked and every problem collected (row, column, value, reason); codes that must
exist are looked up in bulk, once; each good row is compared with what is stored, so the plan
knows exactly what would be created, updated and left unchanged. Nothing here writes: a dry run
stops after this, a real import hands the plan to ``services`` for one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from shiliu.orgs.models import LEVEL_ORDER, Kind, Level, OrgUnit
from shiliu.people.models import Household, Livelihood, Official
from shiliu.rosters.readers import Table
from shiliu.rosters.schema import CLEAR, SAMPLE_CODES, CellError, RosterKind, canonical_languages, display, header_key

Progress = Callable[[int, str], None]
MISSING = object()


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_list(self) -> list:
        return [self.row, self.column, self.value, self.reason]


@dataclass
class Plan:
    """What a valid file would do. ``creates``/``updates`` hold database values, ready to load."""

    rows: int = 0
    creates: list[tuple] = field(default_factory=list)
    updates: list[tuple] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_cells: dict[int, set[int]] = field(default_factory=dict)  # row number -> file column indexes

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def fetch_by_code(model: type[models.Model], fields: list[str], codes: Iterable[str]) -> dict[str, tuple]:
    """{code: (values of ``fields``)} for the rows whose code is in ``codes``, in a few big queries.

    ``fields`` are attribute names, or ``fk__field`` one join away. On PostgreSQL the codes go
    as one array parameter per 50,000 (``code = ANY(%s)``): building and parsing a query with
    tens of thousands of placeholders costs more than the lookups themselves.
    """
    codes = list(codes)
    found: dict[str, tuple] = {}
    if connection.vendor != "postgresql":
        for chunk in _chunks(codes, 900):
            for row in model._default_manager.filter(code__in=chunk).values_list("code", *fields).iterator(5000):
                found[row[0]] = row[1:]
        return found
    qn = connection.ops.quote_name
    meta = model._meta
    table = qn(meta.db_table)
    columns = {f.attname: f.column for f in meta.concrete_fields} | {f.name: f.column for f in meta.concrete_fields}
    joins: dict[str, str] = {}
    selected = []
    for name in ["code", *fields]:
        if "__" in name:
            fk_name, attr = name.split("__")
            fk = meta.get_field(fk_name)
            other = fk.related_model._meta
            alias = qn(f"j_{fk_name}")
            joins[fk_name] = (
                f"LEFT JOIN {qn(other.db_table)} {alias} ON {alias}.{qn(other.pk.column)} = {table}.{qn(fk.column)}"
            )
            selected.append(f"{alias}.{qn(other.get_field(attr).column)}")
        else:
            selected.append(f"{table}.{qn(columns[name])}")
    sql = f"SELECT {', '.join(selected)} FROM {table} {' '.join(joins.values())} WHERE {table}.{qn('code')} = ANY(%s)"
    with connection.cursor() as cursor:
        for chunk in _chunks(codes, 50_000):
            cursor.execute(sql, [chunk])
            for row in cursor.fetchall():
                found[row[0]] = row[1:]
    return found


class _Failed:
    """A cached parse failure of a few-valued column."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


class Importer:
    """Validation common to every roster; subclasses resolve references and build database rows."""

    model: type[models.Model]
    fields: tuple[str, ...] = ()  # database columns written after ``code``
    update_fields: tuple[str, ...] = ()

    def __init__(self, *, kind: RosterKind, paths: list[str], progress: Progress | None = None):
        self.kind = kind
        self.paths = paths
        self.progress = progress or (lambda pct, msg: None)
        self._scope_memo: dict[str, bool] = {}
        self.plan = Plan()
        self.index: dict[str, int] = {}  # field -> file column index
        self.partial: list[tuple[int, list]] = []  # rows with a bad cell: their other cells are still checked
        self.position = {c.field: j for j, c in enumerate(kind.columns)}

    # -- helpers -------------------------------------------------------------------------------
    def in_scope(self, path: str) -> bool:
        ok = self._scope_memo.get(path)
        if ok is None:
            ok = self._scope_memo[path] = any(path.startswith(p) for p in self.paths)
        return ok

    def error(self, row: int, fieldname: str, value: Any, reason: str) -> None:
        column = self.kind.columns[self.position[fieldname]].header if fieldname in self.position else fieldname
        self.plan.errors.append(RowError(row, column, display(value), reason))
        if fieldname in self.index:
            self.plan.bad_cells.setdefault(row, set()).add(self.index[fieldname])
        else:
            self.plan.bad_cells.setdefault(row, set())

    def present(self, fieldname: str) -> bool:
        return fieldname in self.index

    def value(self, values: list, fieldname: str, old: Any, default: Any) -> Any:
        """The value a row gives a field: parsed, cleared, or kept/defaulted when blank or absent."""
        v = values[self.position[fieldname]]
        if v is not MISSING:
            return v
        column = self.kind.columns[self.position[fieldname]]
        if self.present(fieldname) and column.blank == CLEAR:
            return None if column.is_date or fieldname in {"latitude", "longitude"} else ""
        return default if old is MISSING else old

    # -- the run -------------------------------------------------------------------------------
    def validate(self, table: Table) -> Plan:
        if not self.map_headers(table):
            return self.plan
        parsed = self.parse_rows(table)
        self.progress(60, _("核对编号与管理范围"))
        self.resolve(parsed)
        self.plan.errors.sort(key=lambda e: e.row)
        return self.plan

    def map_headers(self, table: Table) -> bool:
        by_key = {header_key(c.header): c for c in self.kind.columns}
        for i, h in enumerate(table.headers):
            column = by_key.get(header_key(h)) if isinstance(h, str) else None
            if column is None:
                continue
            if column.field in self.index:
                self.plan.errors.append(RowError(table.header_row, column.header, display(h), _("列名重复")))
            else:
                self.index[column.field] = i
        for column in self.kind.columns:
            if column.required and column.field not in self.index:
                self.plan.errors.append(
                    RowError(table.header_row, column.header, "", _("缺少必填列“%(h)s”") % {"h": column.header})
                )
        return not self.plan.errors

    def parse_rows(self, table: Table) -> list[tuple[int, list]]:
        # (position, column, file index, parser, required, cache of parsed values for few-valued columns)
        active = [
            (j, c, self.index[c.field], c.parse, c.required, {} if c.memo else None)
            for j, c in enumerate(self.kind.columns)
            if c.field in self.index
        ]
        ncols = len(self.kind.columns)
        formulas = table.formulas
        if table.formula_unplaced:
            self.plan.errors.append(
                RowError(table.header_row, "", "", _("表格中含有公式，请复制后“选择性粘贴—数值”再导入"))
            )
        sample = SAMPLE_CODES[self.kind.key]
        seen: dict[str, int] = {}
        parsed: list[tuple[int, list]] = []
        errors = self.plan.errors
        total = max(table.total, 1)
        count = 0
        for number, cells in table.rows:
            count += 1
            if count % 20_000 == 0:
                self.progress(5 + int(50 * number / total), _("已检查 %(n)s 行") % {"n": count})
            values = [MISSING] * ncols
            bad = False
            formula_cols = formulas.get(number) if formulas else None
            width = len(cells)
            for j, column, i, parse, required, cache in active:
                raw = cells[i] if i < width else None
                if formula_cols and i in formula_cols:
                    self.error(number, column.field, raw, _("单元格含有公式，请复制后“选择性粘贴—数值”再导入"))
                    bad = True
                    continue
                if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                    if required:
                        self.error(number, column.field, "", _("必填项不能为空"))
                        bad = True
                    continue
                if cache is not None:
                    key = raw if raw.__class__ is str else (raw.__class__, raw)  # True == 1 == 1.0
                    hit = cache.get(key, MISSING)
                    if hit is MISSING:
                        try:
                            hit = parse(raw)
                        except CellError as exc:
                            hit = _Failed(exc.reason)
                        if len(cache) < 100_000:
                            cache[key] = hit
                    if hit.__class__ is _Failed:
                        self.error(number, column.field, raw, hit.reason)
                        bad = True
                    else:
                        values[j] = hit
                    continue
                try:
                    values[j] = parse(raw)
                except CellError as exc:
                    self.error(number, column.field, raw, exc.reason)
                    bad = True
            code = values[0]
            if code is not MISSING:
                if code == sample:
                    self.error(number, "code", code, _("这是模板中的示例行，请删除后再导入"))
                    bad = True
                first = seen.get(code)
                if first is not None:
                    self.error(number, "code", code, _("编号与第%(n)s行重复") % {"n": first})
                    bad = True
                else:
                    seen[code] = number
            if not self.check_row(number, values):
                bad = True
            if not bad:
                parsed.append((number, values))
            elif len(self.partial) < 10_000:
                self.partial.append((number, values))
        self.plan.rows = count
        if count == 0 and not errors:
            errors.append(RowError(table.header_row + 1, "", "", _("表头下面没有数据行")))
        return parsed

    def check_row(self, number: int, values: list) -> bool:
        """Rules within one row that need no lookup; False when the row has an error."""
        return True

    def resolve(self, parsed: list[tuple[int, list]]) -> None:
        raise NotImplementedError

    def classify(self, code: str, new: tuple, old: tuple | None, old_id: int | None) -> None:
        if old is None:
            self.plan.creates.append((code, *new))
        elif new == old:
            self.plan.unchanged += 1
        else:
            self.plan.updates.append((old_id, *new))


class PeopleImporter(Importer):
    """Officials and households: a code, a unit they belong to, and their own fields."""

    unit_field: str  # "village" / "unit"
    unit_column: str  # "village_id" / "unit_id"
    defaults: dict[str, Any]

    def unit_problem(self, unit: tuple) -> str | None:
        return None

    def check_references(self, number: int, code: Any, unit_code: Any, existing: dict, units: dict) -> tuple | None:
        """The row's code must be new or in scope, its unit must exist and be in scope; the unit, or None."""
        ok = True
        stored = existing.get(code) if code is not MISSING else None
        if stored is not None and not self.in_scope(stored[-1]):
            self.error(number, "code", code, _("该编号已被其他单位使用或不在您的管理范围内"))
            ok = False
        if unit_code is MISSING:
            return None
        unit = units.get(unit_code)
        problem = self.unit_problem(unit) if unit is not None else _("找不到该代码")
        if problem is None and not self.in_scope(unit[1]):
            problem = _("不在您的管理范围内")
        if problem:
            self.error(number, self.unit_field, unit_code, problem)
            return None
        return unit if ok else None

    def resolve(self, parsed: list[tuple[int, list]]) -> None:
        fields = list(self.fields)
        unit_pos = self.position[self.unit_field]
        every = parsed + self.partial
        existing = fetch_by_code(
            self.model, ["id", *fields, f"{self.unit_field}__path"], {v[0] for _n, v in every if v[0] is not MISSING}
        )
        units = fetch_by_code(
            OrgUnit, ["id", "path", "level", "kind"], {v[unit_pos] for _n, v in every if v[unit_pos] is not MISSING}
        )
        for number, values in self.partial:
            self.check_references(number, values[0], values[unit_pos], existing, units)
        self.progress(70, _("比对已有记录"))
        unit_index = fields.index(self.unit_column)
        lang_index = fields.index("languages")
        # per field: None for the unit, else (position in the row, blank clears it, cleared value, default)
        specs: list[tuple | None] = []
        for k, name in enumerate(fields):
            if k == unit_index:
                specs.append(None)
                continue
            column = self.kind.columns[self.position[name]]
            clears = self.present(name) and column.blank == CLEAR
            specs.append((self.position[name], clears, None if column.is_date else "", self.defaults[name]))
        for number, values in parsed:
            code = values[0]
            stored = existing.get(code)
            unit = self.check_references(number, code, values[unit_pos], existing, units)
            if unit is None:
                continue
            old = stored[1:-1] if stored is not None else None
            new = []
            for k, spec in enumerate(specs):
                if spec is None:
                    new.append(unit[0])
                    continue
                v = values[spec[0]]
                if v is MISSING:
                    v = spec[2] if spec[1] else (old[k] if old is not None else spec[3])
                new.append(v)
            if (
                old is not None
                and new[lang_index] != old[lang_index]
                and canonical_languages(old[lang_index]) == new[lang_index]
            ):
                new[lang_index] = old[lang_index]
            if not self.check_resolved(number, new):
                continue
            self.classify(code, tuple(new), old, stored[0] if stored else None)


class OfficialImporter(PeopleImporter):
    model = Official
    fields = ("name", "phone", "unit_id", "languages", "capacity", "active")
    update_fields = fields
    unit_field, unit_column = "unit", "unit_id"
    defaults = {"name": "", "phone": "", "languages": "", "capacity": 4, "active": True}

    def check_resolved(self, number: int, new: list) -> bool:
        return True


class HouseholdImporter(PeopleImporter):
    model = Household
    fields = (
        "head_name",
        "head_id_number",
        "village_id",
        "members",
        "languages",
        "phone",
        "ethnicity",
        "livelihood",
        "consent_given_on",
        "consent_notice_version",
        "consent_withdrawn_on",
    )
    update_fields = fields
    unit_field, unit_column = "village", "village_id"
    defaults = {
        "head_name": "",
        "head_id_number": "",
        "members": 1,
        "languages": "",
        "phone": "",
        "ethnicity": "",
        "livelihood": Livelihood.STABLE.value,
        "consent_given_on": None,
        "consent_notice_version": "",
        "consent_withdrawn_on": None,
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._id_numbers: dict[str, int] = {}
        self._today = timezone.localdate()

    def unit_problem(self, unit: tuple) -> str | None:
        if unit[2] != Level.VILLAGE or unit[3] != Kind.AREA:
            return _("该代码不是村(社区)")
        return None

    def check_row(self, number: int, values: list) -> bool:
        id_number = values[self.position["head_id_number"]]
        if id_number is MISSING or not id_number:
            return True
        first = self._id_numbers.setdefault(id_number, number)
        if first != number:
            self.error(number, "head_id_number", id_number, _("身份证号与第%(n)s行重复") % {"n": first})
            return False
        return True

    def check_resolved(self, number: int, new: list) -> bool:
        given, version, withdrawn = new[8], new[9], new[10]
        ok = True
        for name, day in (("consent_given_on", given), ("consent_withdrawn_on", withdrawn)):
            if isinstance(day, date) and day > self._today:
                self.error(number, name, day, _("日期不能晚于今天"))
                ok = False
        if given and not version:
            self.error(number, "consent_notice_version", "", _("填写了同意结对日期时须填写告知书版本"))
            ok = False
        if withdrawn and not given:
            self.error(number, "consent_withdrawn_on", withdrawn, _("没有同意结对日期，不能填写撤回同意日期"))
            ok = False
        elif withdrawn and given and withdrawn < given:
            self.error(number, "consent_withdrawn_on", withdrawn, _("撤回同意日期不能早于同意结对日期"))
            ok = False
        return ok


class OrgImporter(Importer):
    """Org units: a new unit's path comes from its parent, which may be a row of the same file."""

    model = OrgUnit
    fields = ("name", "level", "kind", "parent_id", "path", "depth", "latitude", "longitude")
    update_fields = ("name", "latitude", "longitude")
    STORED = ["id", "name", "level", "kind", "parent__code", "path", "depth", "latitude", "longitude"]

    def resolve(self, parsed: list[tuple[int, list]]) -> None:
        pos = self.position
        codes = {v[0] for _n, v in parsed} | {v[pos["parent"]] for _n, v in parsed if v[pos["parent"]] is not MISSING}
        stored = fetch_by_code(OrgUnit, self.STORED, codes)
        new_rows: dict[str, tuple[int, list]] = {}
        for number, values in parsed:
            code = values[0]
            unit = stored.get(code)
            if unit is None:
                new_rows[code] = (number, values)
                continue
            uid, name, level, kind, parent_code, path, _depth, lat, lon = unit
            if not self.in_scope(path):
                self.error(number, "code", code, _("该编号已被其他单位使用或不在您的管理范围内"))
                continue
            ok = True
            given_parent = values[pos["parent"]]
            if given_parent is not MISSING and given_parent != parent_code:
                self.error(
                    number,
                    "parent",
                    given_parent,
                    _("已有单位不能通过导入更改上级（当前上级：%(p)s）") % {"p": parent_code or "无"},
                )
                ok = False
            if values[pos["level"]] != level:
                self.error(number, "level", values[pos["level"]], _("已有单位不能通过导入更改层级"))
                ok = False
            if values[pos["kind"]] is not MISSING and values[pos["kind"]] != kind:
                self.error(number, "kind", values[pos["kind"]], _("已有单位不能通过导入更改类别"))
                ok = False
            if not ok:
                continue
            new = (
                values[pos["name"]],
                self.value(values, "latitude", lat, None),
                self.value(values, "longitude", lon, None),
            )
            old = (name, lat, lon)
            if new == old:
                self.plan.unchanged += 1
            else:
                self.plan.updates.append((uid, *new))
        self._plan_new_units(new_rows, stored)

    def _plan_new_units(self, new_rows: dict[str, tuple[int, list]], stored: dict[str, tuple]) -> None:
        pos = self.position
        resolved: dict[str, tuple[str, str, str] | None] = {}  # code -> (path, level, kind), None if bad

        def place(code: str, trail: tuple[str, ...]) -> tuple[str, str, str] | None:
            if code in resolved:
                return resolved[code]
            number, values = new_rows[code]
            resolved[code] = None
            level, kind = values[pos["level"]], values[pos["kind"]]
            kind = Kind.AREA.value if kind is MISSING else kind
            parent_code = values[pos["parent"]]
            if parent_code is MISSING:
                self.error(number, "parent", "", _("新增单位须填写上级代码"))
                return None
            if parent_code in trail or parent_code == code:
                self.error(number, "parent", parent_code, _("上级代码形成了循环"))
                return None
            if parent_code in new_rows:
                parent = place(parent_code, (*trail, code))
                if parent is None:
                    self.error(
                        number,
                        "parent",
                        parent_code,
                        _("上级单位（第%(n)s行）有错误") % {"n": new_rows[parent_code][0]},
                    )
                    return None
            elif parent_code in stored:
                p = stored[parent_code]
                parent = (p[5], p[2], p[3])
            else:
                self.error(number, "parent", parent_code, _("找不到该上级代码"))
                return None
            parent_path, parent_level, parent_kind = parent
            path = f"{parent_path}{code}/"
            if not self.in_scope(path):
                self.error(number, "parent", parent_code, _("上级单位不在您的管理范围内"))
                return None
            if kind == Kind.AREA and (
                parent_kind != Kind.AREA or LEVEL_ORDER.index(level) != LEVEL_ORDER.index(parent_level) + 1
            ):
                self.error(number, "level", level, _("行政区域必须位于上一级行政区域之下"))
                return None
            if kind != Kind.AREA and level != parent_level:
                self.error(number, "level", level, _("单位的层级必须与所属区域一致"))
                return None
            if len(path) > 400:
                self.error(number, "code", code, _("层级过深"))
                return None
            resolved[code] = (path, level, kind)
            return resolved[code]

        for code in new_rows:
            place(code, ())
        creates = []
        for code, (_number, values) in new_rows.items():
            placed = resolved.get(code)
            if placed is None:
                continue
            path, level, kind = placed
            creates.append(
                (
                    code,
                    values[pos["name"]],
                    level,
                    kind,
                    values[pos["parent"]],  # the parent's code; services turns it into an id
                    path,
                    path.count("/") - 1,
                    self.value(values, "latitude", MISSING, None),
                    self.value(values, "longitude", MISSING, None),
                )
            )
        creates.sort(key=lambda row: row[6])
        self.plan.creates = creates


IMPORTERS: dict[str, type[Importer]] = {
    "orgs": OrgImporter,
    "officials": OfficialImporter,
    "households": HouseholdImporter,
}
