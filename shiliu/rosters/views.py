"""Roster pages: templates, upload (预检 / 导入) with a progress bar, export, import history. Thin:
every write goes through ``services`` (via a background job), every read through ``selectors``."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shiliu.core.audit import audit
from shiliu.core.errors import DomainError
from shiliu.core.exports import XLSX_MIME, xlsx_response
from shiliu.core.jobs import RESULT_TEMPLATES, job_get
from shiliu.core.listing import ListParams, paginate
from shiliu.core.models import Job
from shiliu.orgs.selectors import org_unit_get
from shiliu.rosters.models import ImportRun
from shiliu.rosters.readers import max_bytes
from shiliu.rosters.schema import KINDS
from shiliu.rosters.selectors import import_run_get, import_runs_for, importable_kinds
from shiliu.rosters.services import (
    export_path,
    report_path,
    roster_export_start,
    roster_import_confirm,
    roster_import_start,
    roster_kind,
    roster_template,
    upload_dir,
)


def _index(request, *, job: Job | None = None, error: str = "", status: int = 200):
    context = {
        "kinds": list(KINDS.values()),
        "importable": importable_kinds(request.user),
        "recent": import_runs_for(actor=request.user)[:5],
        "max_mb": max_bytes() // 1024 // 1024,
        "job": job,
        "result_template": RESULT_TEMPLATES.get(job.kind, "") if job else "",
        "error": error,
    }
    if request.htmx and request.method == "POST":
        return render(request, "rosters/_job_area.html", context, status=status)
    return render(request, "rosters/index.html", context, status=status)


@login_required
def index(request):
    return _index(request)


@login_required
def template(request, kind: str):
    try:
        spec = roster_kind(kind)
    except DomainError as exc:
        raise Http404("未找到") from exc
    return xlsx_response(roster_template(actor=request.user, kind=kind), f"{spec.label}名册导入模板.xlsx")


def _org_param(request):
    code = request.POST.get("org", "").strip()[:32]
    return org_unit_get(actor=request.user, code=code) if code else None


@login_required
@require_POST
def upload(request):
    """Save the file and start the import job; the page then polls the job's progress bar."""
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _index(request, error=_("请选择要导入的文件"), status=400)
    try:
        org = _org_param(request)
        job = roster_import_start(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            uploaded=uploaded,
            dry_run=request.POST.get("action") != "import",
            org=org,
        )
    except Http404:
        return _index(request, error=_("找不到该组织代码，或不在您的管理范围内"), status=400)
    except DomainError as exc:
        return _index(request, error=exc.message, status=403 if exc.code == "forbidden" else 400)
    return _index(request, job=_refresh(job))


def _refresh(job: Job) -> Job:
    job.refresh_from_db()
    return job


@login_required
@require_POST
def confirm(request, pk: int):
    run = import_run_get(actor=request.user, pk=pk)
    try:
        job = roster_import_confirm(actor=request.user, run=run)
    except DomainError as exc:
        return _index(request, error=exc.message, status=400)
    return _index(request, job=_refresh(job))


@login_required
@require_POST
def export(request):
    try:
        org = _org_param(request)
        job = roster_export_start(actor=request.user, kind=request.POST.get("kind", ""), org=org)
    except Http404:
        return _index(request, error=_("找不到该组织代码，或不在您的管理范围内"), status=400)
    except DomainError as exc:
        return _index(request, error=exc.message, status=400)
    return _index(request, job=_refresh(job))


@login_required
def export_download(request, job_id: int):
    job = job_get(actor=request.user, job_id=job_id)
    name = job.result.get("file") if job.kind == "roster_export" and job.status == Job.Status.DONE else None
    path = export_path(name) if name else None
    if path is None or not path.is_file():
        raise Http404("未找到")
    label = KINDS[job.result["kind"]].label
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{label}名册.xlsx", content_type=XLSX_MIME)


@login_required
def history(request):
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    params = ListParams(q="", org="", sort="", page=page_number, page_size=50)
    page = paginate(import_runs_for(actor=request.user), params)
    return render(request, "rosters/history.html", {"page": page, "query": ""})


@login_required
def run_detail(request, pk: int):
    run = import_run_get(actor=request.user, pk=pk)
    can_confirm = (
        run.user_id == request.user.pk
        and run.dry_run
        and run.status == ImportRun.Status.CHECKED
        and bool(run.upload)
        and (upload_dir() / Path(run.upload).name).is_file()
    )
    return render(request, "rosters/run_detail.html", {"run": run, "can_confirm": can_confirm})


@login_required
def run_report(request, pk: int):
    """The error report holds the uploaded rows (personal data): scoped like the run, and logged."""
    run = import_run_get(actor=request.user, pk=pk)
    path = report_path(run.report) if run.report else None
    if path is None or not path.is_file():
        raise Http404("未找到")
    audit(request.user, "roster.report_download", run, detail={"kind": run.kind})
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"错误报告-{Path(run.file_name).stem}.xlsx",
        content_type=XLSX_MIME,
    )
