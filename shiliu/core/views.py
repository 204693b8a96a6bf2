from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from shiliu.core.jobs import RESULT_TEMPLATES, job_get


@login_required
def job_progress(request, job_id: int):
    """The progress bar fragment; htmx polls it every second until the job finishes."""
    job = job_get(actor=request.user, job_id=job_id)
    return render(request, "core/_job.html", {"job": job, "result_template": RESULT_TEMPLATES.get(job.kind, "")})
