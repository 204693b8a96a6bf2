"""Background jobs with a progress bar, on django-tasks.

``job_start`` records a Job and enqueues ``run_job``; the work function registered for the
job's kind receives the job and a ``progress(pct, message)`` callback. Progress is written in
its own short transaction, so do long validation outside the final write transaction.
Run the worker with ``manage.py db_worker``. Tests use the ImmediateBackend; the job is enqueued
on commit, so a test wraps the call in ``django_capture_on_commit_callbacks(execute=True)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from shiliu.core.errors import DomainError
from shiliu.core.models import Job

logger = logging.getLogger(__name__)

Work = Callable[[Job, Callable[[int, str], None]], dict]
_REGISTRY: dict[str, Work] = {}
RESULT_TEMPLATES: dict[str, str] = {}


def job_kind(kind: str, *, result_template: str = ""):
    """Register the function that does the work of one job kind, and the template of its result."""

    def register(func: Work) -> Work:
        _REGISTRY[kind] = func
        if result_template:
            RESULT_TEMPLATES[kind] = result_template
        return func

    return register


def job_start(*, actor, kind: str, params: dict, org_unit=None) -> Job:
    if kind not in _REGISTRY:
        raise DomainError(_("未知的任务类型"))
    job = Job.objects.create(kind=kind, created_by=actor, org_unit=org_unit, params=params)
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def _progress_writer(job: Job) -> Callable[[int, str], None]:
    def progress(pct: int, message: str = "") -> None:
        pct = max(0, min(100, int(pct)))
        Job.objects.filter(pk=job.pk).update(progress=pct, message=message[:200])
        job.progress, job.message = pct, message

    return progress


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        result = _REGISTRY[job.kind](job, _progress_writer(job))
    except DomainError as exc:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=exc.message)
        return
    except Exception:
        logger.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=_("任务执行出错，请联系系统管理员。"))
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, progress=100, result=result or {})


def job_get(*, actor, job_id: int) -> Job:
    """A job is visible to the user who started it."""
    from django.http import Http404

    job = Job.objects.filter(pk=job_id, created_by=actor).first()
    if job is None:
        raise Http404("未找到")
    return job
