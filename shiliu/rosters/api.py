"""Roster API: templates, imports (upload, progress, history with errors), exports."""

from datetime import datetime

from django.http import FileResponse, Http404
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shiliu.core.api_pagination import Page, PageIn, page_of
from shiliu.core.exports import XLSX_MIME, xlsx_response
from shiliu.core.jobs import job_get
from shiliu.core.models import Job
from shiliu.orgs.selectors import org_unit_get
from shiliu.rosters.models import ImportRun
from shiliu.rosters.schema import KINDS
from shiliu.rosters.selectors import import_run_get, import_runs_for
from shiliu.rosters.services import (
    export_path,
    roster_export_start,
    roster_import_start,
    roster_kind,
    roster_template,
)

router = Router(tags=["rosters"])


class ImportRunOut(Schema):
    id: int
    kind: str
    file_name: str
    file_format: str
    sha256: str
    user: str
    org: str | None
    dry_run: bool
    status: str
    rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    has_report: bool
    created_at: datetime

    @staticmethod
    def resolve_user(obj: ImportRun) -> str:
        return obj.user.username

    @staticmethod
    def resolve_org(obj: ImportRun) -> str | None:
        return obj.org.code if obj.org_id else None

    @staticmethod
    def resolve_has_report(obj: ImportRun) -> bool:
        return bool(obj.report)


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str


class ImportRunDetailOut(ImportRunOut):
    errors: list[RowErrorOut]

    @staticmethod
    def resolve_errors(obj: ImportRun) -> list[dict]:
        return [{"row": r, "column": c, "value": v, "reason": m} for r, c, v, m in obj.errors]


class JobOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    message: str
    error: str
    result: dict


@router.get("/templates/{kind}", summary="下载导入模板 (.xlsx)")
def template(request, kind: str):
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404("未找到")
    return xlsx_response(roster_template(actor=request.user, kind=kind), f"{spec.label}名册导入模板.xlsx")


@router.post("/imports", response={202: JobOut}, summary="上传名册文件，开始预检或导入（后台任务）")
def start_import(
    request,
    kind: Form[str],
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    org: Form[str] = "",
):
    org_unit = org_unit_get(actor=request.user, code=org) if org else None
    job = roster_import_start(actor=request.user, kind=kind, uploaded=file, dry_run=dry_run, org=org_unit)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/imports", response=Page[ImportRunOut], summary="导入记录")
def list_imports(request, params: Query[PageIn]):
    return page_of(import_runs_for(actor=request.user), params)


@router.get("/imports/{run_id}", response=ImportRunDetailOut, summary="一次导入的结果和全部错误（前1000条）")
def get_import(request, run_id: int):
    return import_run_get(actor=request.user, pk=run_id)


@router.post("/exports", response={202: JobOut}, summary="导出名册（后台任务）")
def start_export(request, kind: Form[str], org: Form[str] = ""):
    roster_kind(kind)
    org_unit = org_unit_get(actor=request.user, code=org) if org else None
    job = roster_export_start(actor=request.user, kind=kind, org=org_unit)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/jobs/{job_id}", response=JobOut, summary="后台任务进度与结果")
def get_job(request, job_id: int):
    job = job_get(actor=request.user, job_id=job_id)
    if job.kind not in {"roster_import", "roster_export"}:
        raise Http404("未找到")
    return job


@router.get("/exports/{job_id}/file", summary="下载导出的名册")
def export_file(request, job_id: int):
    job = job_get(actor=request.user, job_id=job_id)
    name = job.result.get("file") if job.kind == "roster_export" and job.status == Job.Status.DONE else None
    path = export_path(name) if name else None
    if path is None or not path.is_file():
        raise Http404("未找到")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{job.result['kind']}.xlsx", content_type=XLSX_MIME
    )
