"""Roster writes: importing a file all-or-nothing, exporting a roster, handing out the template.

Each is a security event. An import validates every row first (outside any transaction, with
progress); only a file without a single error is written, in one transaction: new rows by
COPY (PostgreSQL) or executemany (SQLite), changed rows by one set-based UPDATE from a staging
table, unchanged rows not touched. Re-importing a file therefore changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shiliu.core.audit import audit
from shiliu.core.bulk import bulk_load, bulk_update
from shiliu.core.errors import DomainError
from shiliu.core.jobs import job_start
from shiliu.core.models import AuditEvent
from shiliu.orgs.models import OrgUnit
from shiliu.rosters.importer import IMPORTERS, Importer, Plan, RowError
from shiliu.rosters.models import ImportRun
from shiliu.rosters.readers import FileProblem, max_bytes, read_table
from shiliu.rosters.schema import KINDS, RosterKind, display
from shiliu.rosters.selectors import export_headers, export_rows, importable_kinds, write_scope
from shiliu.rosters.xlsx import XlsxWriter

Progress = Callable[[int, str], None]
STORED_ERRORS = 1000
TEMPLATE_ROWS = 20_000


def _noop(pct: int, message: str) -> None:
    return None


def roster_kind(key: str) -> RosterKind:
    kind = KINDS.get(key)
    if kind is None:
        raise DomainError(_("未知的名册类型"))
    return kind


def var_dir(*parts: str) -> Path:
    path = Path(settings.VAR_DIR).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_dir() -> Path:
    return var_dir("uploads", "rosters")


def report_path(name: str) -> Path:
    return var_dir("rosters", "reports") / Path(name).name


def export_path(name: str) -> Path:
    return var_dir("rosters", "exports") / Path(name).name


def prune(directory: Path, *, hours: float = 24) -> None:
    """Uploads and exports hold personal data: they are kept a day, then removed."""
    limit = time.time() - hours * 3600
    for path in directory.glob("*"):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _digest(source: Path | bytes) -> tuple[str, int]:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), len(source)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass
class ImportOutcome:
    run: ImportRun
    errors: list[RowError]
    phases: dict[str, float] = field(default_factory=dict)  # seconds: open, check, write

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        run = self.run
        return {
            "kind": run.kind,
            "dry_run": run.dry_run,
            "status": run.status,
            "rows": run.rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "errors": run.error_count,
            "sha256": run.sha256,
            "seconds": run.seconds,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


class _Conflict(Exception):
    pass


def roster_import(
    *,
    actor,
    kind: str,
    source: Path | bytes,
    file_name: str = "",
    dry_run: bool = False,
    org: OrgUnit | None = None,
    progress: Progress | None = None,
    job=None,
    report: bool = True,
    upload: str = "",
) -> ImportOutcome:
    """Check a roster file and, unless ``dry_run`` or it has any error, write all of it.

    Rows are written only inside the subtrees where the actor holds a role that may write this
    roster (narrowed to ``org`` when given). Always records an ImportRun and a security event.
    """
    spec = roster_kind(kind)
    progress = progress or _noop
    started = time.perf_counter()
    paths = write_scope(actor, spec)
    if org is not None:
        paths = [org.path] if any(org.path.startswith(p) for p in paths) else []
    if not paths:
        audit(
            actor,
            "roster.import",
            result=AuditEvent.Result.DENIED,
            detail={"kind": kind, "file": file_name, "org": org.code if org else ""},
        )
        raise DomainError(_("您没有在该范围内导入“%(label)s”名册的权限") % {"label": spec.label})
    if isinstance(source, str):
        source = Path(source)
    sha256, size = _digest(source)
    run = ImportRun(
        kind=kind,
        file_name=(file_name or getattr(source, "name", "") or "-")[:255],
        sha256=sha256,
        size=size,
        user=actor,
        org=org or (OrgUnit.objects.filter(path=paths[0]).first() if len(paths) == 1 else None),
        dry_run=dry_run,
        job=job,
    )
    progress(1, _("读取文件"))
    phases: dict[str, float] = {}
    try:
        table = read_table(source, run.file_name, spec)
        run.file_format = table.format
        phases["open"] = time.perf_counter() - started
        progress(5, _("检查每一行"))
        importer = IMPORTERS[kind](kind=spec, paths=paths, progress=progress)
        plan = importer.validate(table)
        phases["check"] = time.perf_counter() - started - phases["open"]
    except FileProblem as exc:
        plan = Plan(errors=[RowError(0, "", "", exc.reason)])
        progress(100, _("文件无法导入"))
        return _record(run, plan, started, ImportRun.Status.FAILED, phases)
    if plan.errors:
        if report:
            progress(90, _("生成错误报告"))
            with contextlib.suppress(FileProblem):
                run.report = _write_error_report(source, run, spec, plan)
        progress(100, _("检查完成，发现错误"))
        return _record(run, plan, started, ImportRun.Status.REJECTED, phases)
    if dry_run:
        run.upload = upload
        progress(100, _("预检完成"))
        return _record(run, plan, started, ImportRun.Status.CHECKED, phases)
    progress(85, _("写入数据库"))
    writing = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.wrap_database_errors:
                _write(importer, plan)
            phases["write"] = time.perf_counter() - writing
            outcome = _record(run, plan, started, ImportRun.Status.IMPORTED, phases)
    except (IntegrityError, _Conflict):
        run.pk = None
        plan.errors = [RowError(0, "", "", _("预检之后有人修改了相同编号的记录，本次未导入任何数据，请重新导入"))]
        return _record(run, plan, started, ImportRun.Status.FAILED, phases)
    progress(100, _("导入完成"))
    return outcome


def _record(run: ImportRun, plan: Plan, started: float, status: str, phases: dict) -> ImportOutcome:
    counts = plan.counts
    run.status = status
    run.rows = counts["rows"]
    if status in {ImportRun.Status.CHECKED, ImportRun.Status.IMPORTED}:
        run.created, run.updated, run.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    run.error_count = len(plan.errors)
    run.errors = [e.as_list() for e in plan.errors[:STORED_ERRORS]]
    run.seconds = round(time.perf_counter() - started, 3)
    run.save()
    audit(
        run.user,
        "roster.import",
        run,
        result=AuditEvent.Result.OK if not plan.errors else AuditEvent.Result.FAILED,
        detail={
            "kind": run.kind,
            "file": run.file_name,
            "sha256": run.sha256,
            "size": run.size,
            "dry_run": run.dry_run,
            "status": run.status,
            "org": run.org.code if run.org_id else "",
            "rows": run.rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "errors": run.error_count,
        },
    )
    return ImportOutcome(run, plan.errors, phases)


def _write(importer: Importer, plan: Plan) -> None:
    model = importer.model
    if model is OrgUnit:
        _write_org_units(plan)
    elif plan.creates:
        bulk_load(model, ["code", *importer.fields], plan.creates)
    if bulk_update(model, list(importer.update_fields), plan.updates) != len(plan.updates):
        raise _Conflict()


def _write_org_units(plan: Plan) -> None:
    """New units level by level, so each parent has its id before its children are written."""
    new_codes = {row[0] for row in plan.creates}
    parents = {row[4] for row in plan.creates} - new_codes
    ids = dict(OrgUnit.objects.filter(code__in=parents).values_list("code", "id"))
    columns = ["code", "name", "level", "kind", "parent_id", "path", "depth", "latitude", "longitude", "active"]
    by_depth: dict[int, list[tuple]] = {}
    for row in plan.creates:
        by_depth.setdefault(row[6], []).append(row)
    for depth in sorted(by_depth):
        rows = by_depth[depth]
        bulk_load(
            OrgUnit,
            columns,
            [
                (code, name, level, kind, ids[parent], path, d, lat, lon, True)
                for code, name, level, kind, parent, path, d, lat, lon in rows
            ],
        )
        ids.update(OrgUnit.objects.filter(code__in=[r[0] for r in rows]).values_list("code", "id"))


UPLOAD_SUFFIXES = {".xlsx", ".csv", ".txt"}


def roster_import_start(*, actor, kind: str, uploaded, dry_run: bool, org: OrgUnit | None = None):
    """Keep an uploaded file under var/ and start the import job (the page or client polls its progress)."""
    spec = roster_kind(kind)
    if spec not in importable_kinds(actor):
        raise DomainError(_("您没有导入该名册的权限"), code="forbidden")
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise DomainError(_("只能导入 .xlsx 或 .csv 文件"))
    if uploaded.size > max_bytes():
        audit(
            actor,
            "roster.import",
            result=AuditEvent.Result.FAILED,
            detail={"kind": kind, "file": uploaded.name, "size": uploaded.size, "reason": "too_large"},
        )
        raise DomainError(
            _("文件太大（%(size).1f MB），上限为 %(max)s MB，请拆分成几个文件分批导入")
            % {"size": uploaded.size / 1024 / 1024, "max": max_bytes() // 1024 // 1024}
        )
    directory = upload_dir()
    prune(directory)
    name = f"{secrets.token_hex(16)}{suffix}"
    with (directory / name).open("wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    return job_start(
        actor=actor,
        kind="roster_import",
        params={
            "kind": kind,
            "upload": name,
            "file_name": Path(uploaded.name).name[:255],
            "dry_run": dry_run,
            "org": org.code if org else "",
        },
        org_unit=org,
    )


def roster_import_confirm(*, actor, run: ImportRun):
    """Import the file that just passed 预检, without uploading it again."""
    path = upload_dir() / Path(run.upload).name if run.upload else None
    if (
        run.user_id != actor.pk
        or not run.dry_run
        or run.status != ImportRun.Status.CHECKED
        or path is None
        or not path.is_file()
        or _digest(path)[0] != run.sha256
    ):
        raise DomainError(_("该文件已过期或已导入，请重新上传"))
    return job_start(
        actor=actor,
        kind="roster_import",
        params={
            "kind": run.kind,
            "upload": path.name,
            "file_name": run.file_name,
            "dry_run": False,
            "org": run.org.code if run.org_id else "",
        },
        org_unit=run.org,
    )


def roster_export_start(*, actor, kind: str, org: OrgUnit | None = None):
    roster_kind(kind)
    prune(var_dir("rosters", "exports"))
    return job_start(
        actor=actor, kind="roster_export", params={"kind": kind, "org": org.code if org else ""}, org_unit=org
    )


# -- error report ------------------------------------------------------------------------------


def _write_error_report(source: Path | bytes, run: ImportRun, spec: RosterKind, plan: Plan) -> str:
    """The uploaded rows in their own layout, bad rows yellow and bad cells red, each with its reasons;
    a clerk fixes this file and uploads it again (the two added columns are ignored on import)."""
    reasons: dict[int, list[str]] = {}
    for e in plan.errors:
        reasons.setdefault(e.row, []).append(f"{e.column}：{e.reason}" if e.column else e.reason)
    table = read_table(source, run.file_name, spec)
    headers = [display(h) for h in table.headers]
    width = len(headers)
    marks: dict[int, set[int]] = {}

    def rows():
        for index, (number, cells) in enumerate(table.rows):
            cells = list(cells[:width]) + [None] * (width - len(cells))
            bad = plan.bad_cells.get(number)
            if bad is not None:
                marks[index] = bad | {width}
            yield [*cells, "；".join(reasons.get(number, [])), number]

    name = f"{secrets.token_hex(12)}.xlsx"
    with XlsxWriter(str(report_path(name))) as writer:
        writer.add_sheet(
            spec.sheet,
            [*headers, "错误原因", "原文件行号"],
            rows(),
            widths=[c.width for c in spec.columns][:width] + [16] * max(0, width - len(spec.columns)) + [48, 10],
            marks=marks,
        )
        writer.add_sheet(
            "错误清单",
            ["行号", "列", "内容", "错误原因"],
            (e.as_list() for e in plan.errors),
            widths=[8, 18, 24, 60],
        )
    return name


# -- export and template -----------------------------------------------------------------------


def roster_export(*, actor, kind: str, target: str | Path | IO[bytes], org: OrgUnit | None = None) -> int:
    """Write the roster the actor may see to ``target`` in the template's layout; returns the row count."""
    spec = roster_kind(kind)
    headers = export_headers(actor=actor, kind=spec)
    widths = {c.header: c.width for c in spec.columns}
    with XlsxWriter(str(target) if isinstance(target, Path) else target) as writer:
        count = writer.add_sheet(
            spec.sheet, headers, export_rows(actor=actor, kind=spec, org=org), widths=[widths[h] for h in headers]
        )
    audit(actor, "roster.export", detail={"kind": kind, "org": org.code if org else "", "rows": count})
    return count


def roster_template(*, actor, kind: str) -> bytes:
    """The .xlsx template: headers, a sample row, drop-downs, text-formatted ID and phone columns,
    and a sheet of instructions."""
    spec = roster_kind(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    options = wb.create_sheet("填写说明")
    lists = wb.create_sheet("选项")
    lists.sheet_state = "hidden"
    required_fill = PatternFill("solid", fgColor="F4B183")
    optional_fill = PatternFill("solid", fgColor="FDE9D9")
    sample_font = Font(italic=True, color="808080")
    list_col = 0
    for i, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column.required else optional_fill
        ws.column_dimensions[letter].width = column.width
        sample = ws.cell(row=2, column=i, value=spec.sample[i - 1] if spec.sample[i - 1] != "" else None)
        sample.font = sample_font
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
            sample.number_format = "@"
            for row in range(3, 203):
                ws.cell(row=row, column=i).number_format = "@"
        elif column.is_date:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            sample.number_format = "yyyy-mm-dd"
        if column.choices:
            list_col += 1
            list_letter = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=column.header)
            for r, label in enumerate(column.choices, start=2):
                lists.cell(row=r, column=list_col, value=label)
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${list_letter}$2:${list_letter}${len(column.choices) + 1}",
                allow_blank=True,
                showErrorMessage=column.strict_choices,
                errorTitle=column.header,
                error="请从下拉列表中选择",
                promptTitle=column.header,
                prompt=column.note[:250] if column.note else None,
                showInputMessage=bool(column.note),
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    _instructions(options, spec)
    buf = io.BytesIO()
    wb.save(buf)
    audit(actor, "roster.template", detail={"kind": kind}, username=None if actor else "manage.py")
    return buf.getvalue()


def _instructions(ws, spec: RosterKind) -> None:
    max_mb = max_bytes() // 1024 // 1024
    lines = [
        f"{spec.label}名册填写说明",
        f"1. 请在“{spec.sheet}”工作表中填写，每行一条记录；第2行是灰色的示例行，导入前请删除。",
        "2. 不要修改、删除第1行的列名；橙色列为必填，其余可不填。列的顺序可以调整，多余的列会被忽略。",
        "3. 编号、身份证号、电话号码等列已设为“文本”格式，请勿改成数字格式，"
        "否则长数字会被改成科学计数法或丢失末尾数字，导入时会报错。",
        "4. 日期可填 2026-01-05、2026/1/5、2026年1月5日 或 20260105。",
        "5. 导入前会检查所有行；只要有一处错误，整个文件都不会导入，并列出全部错误"
        "（可下载标注了错误的表格，改正后重新上传）。",
        "6. 按编号更新：已存在的编号会更新，新的编号会新增；重复导入同一文件不会产生任何变化。"
        "只能导入您管理范围内的数据。",
        f"7. 单元格中不能含有公式，请复制后“选择性粘贴—数值”。文件大小上限 {max_mb} MB。",
        "",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["列名", "是否必填", "说明", "可选值"])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        ws.append(
            [
                column.header,
                "必填" if column.required else "可不填",
                column.note,
                "、".join(column.choices[:60]) if column.choices else "",
            ]
        )
    for letter, width in zip("ABCD", (20, 10, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
