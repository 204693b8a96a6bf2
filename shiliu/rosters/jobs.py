"""Roster imports and exports as background jobs, so a page never waits on a big file."""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _

from shiliu.core.errors import DomainError
from shiliu.core.jobs import job_kind
from shiliu.orgs.models import OrgUnit
from shiliu.rosters.models import ImportRun
from shiliu.rosters.services import export_path, roster_export, roster_import, upload_dir

PREVIEW_ERRORS = 50


def _org(code: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(code=code).first() if code else None


@job_kind("roster_import", result_template="rosters/_import_result.html")
def run_import(job, progress) -> dict:
    params = job.params
    path = upload_dir() / params["upload"]
    if not path.is_file():
        raise DomainError(_("上传的文件已过期，请重新上传"))
    dry_run = bool(params.get("dry_run"))
    outcome = roster_import(
        actor=job.created_by,
        kind=params["kind"],
        source=path,
        file_name=params.get("file_name", ""),
        dry_run=dry_run,
        org=_org(params.get("org", "")),
        progress=progress,
        job=job,
        upload=params["upload"],
    )
    run = outcome.run
    if run.status != ImportRun.Status.CHECKED:
        path.unlink(missing_ok=True)
    return {
        "run": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "dry_run": run.dry_run,
        "rows": run.rows,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "errors": run.error_count,
        "preview": run.errors[:PREVIEW_ERRORS],
        "report": bool(run.report),
    }


@job_kind("roster_export", result_template="rosters/_export_result.html")
def run_export(job, progress) -> dict:
    params = job.params
    name = f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    progress(10, _("正在导出"))
    rows = roster_export(
        actor=job.created_by, kind=params["kind"], target=export_path(name), org=_org(params.get("org", ""))
    )
    return {"file": name, "rows": rows, "kind": params["kind"]}
