"""Pairing pages: the office's pairing page, proposals to review, "my families", handover. Thin."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Avg, Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shiliu.core.audit import audit
from shiliu.core.errors import DomainError, OutOfScope
from shiliu.core.exports import write_xlsx, xlsx_response
from shiliu.core.jobs import RESULT_TEMPLATES, job_get
from shiliu.core.scoping import get_scoped_or_404
from shiliu.orgs.models import Level
from shiliu.orgs.selectors import org_unit_get, top_units_for
from shiliu.pairings import selectors, services
from shiliu.pairings.models import Pairing, PairingStatus, VisitFrequency
from shiliu.people import services as people_services
from shiliu.people.models import Household, Official


def out_of_scope_is_404(view):
    """A service's OutOfScope is the same 404 as a missing object."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except OutOfScope as exc:
            raise Http404("未找到") from exc

    return wrapped


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def _org_and_scheme(request, source=None):
    """The org unit (``org`` code, default: the actor's first office unit) and scheme of a page."""
    source = source if source is not None else request.GET
    code = source.get("org", "").strip()[:32]
    if code:
        org = org_unit_get(actor=request.user, code=code)
    else:
        offices = selectors.office_units(request.user)
        roots = offices or top_units_for(actor=request.user)
        if not roots:
            raise Http404("未找到")
        org = roots[0]
    scheme_id = source.get("scheme", "").strip()
    scheme = (
        selectors.scheme_get(actor=request.user, pk=scheme_id)
        if scheme_id
        else selectors.default_scheme(actor=request.user, org=org)
    )
    return org, scheme


def _query(org, scheme, **extra) -> str:
    params = {"org": org.code}
    if scheme is not None:
        params["scheme"] = scheme.pk
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


COVERAGE_HEADERS = [
    "代码",
    "名称",
    "家庭户数",
    "同意结对户数",
    "已结对户数",
    "结对覆盖率(%)",
    "待确认建议",
    "公职人员",
    "未结对公职人员",
    "结对已满公职人员",
]


def _coverage_line(row) -> list:
    return [
        row.unit.code if row.unit else "",
        row.unit.name if row.unit else _("本级单位"),
        row.households,
        row.consenting,
        row.paired,
        row.coverage_pct,
        row.proposed,
        row.officials,
        row.officials_without_household,
        row.officials_at_capacity,
    ]


@login_required
@out_of_scope_is_404
def index(request):
    """The office's pairing page: coverage by child unit, matching, proposals, household search."""
    if not selectors.office_units(request.user) and request.user.official_id and "org" not in request.GET:
        return redirect("pairings:mine")
    org, scheme = _org_and_scheme(request)
    total = selectors.coverage(org=org, scheme=scheme)
    if request.GET.get("export") == "xlsx":
        content = write_xlsx(
            [_(h) for h in COVERAGE_HEADERS],
            [_coverage_line(r) for r in [*total.children, total]],
            sheet_title=_("结对覆盖"),
        )
        audit(request.user, "pairings.coverage_export", org, detail={"scheme": scheme.pk if scheme else None})
        return xlsx_response(content, f"coverage-{org.code}.xlsx")
    can_manage = selectors.is_office_for(request.user, org)
    job = None
    if request.GET.get("job", "").isdigit():
        job = job_get(actor=request.user, job_id=int(request.GET["job"]))
    latest = selectors.match_runs_for(actor=request.user, org=org, scheme=scheme).first() if scheme else None
    ancestors = [
        a for a in org.ancestors() if any(a.path.startswith(p) for p in request.user.scope_paths(personal=False))
    ]
    return render(
        request,
        "pairings/index.html",
        {
            "org": org,
            "scheme": scheme,
            "schemes": selectors.schemes_for(actor=request.user, org=org),
            "total": total,
            "can_manage": can_manage,
            "can_match": can_manage and org.is_area and org.level != Level.VILLAGE and scheme is not None,
            "cross_county_allowed": org.level in (Level.PROVINCE, Level.PREFECTURE),
            "frequencies": VisitFrequency.choices,
            "latest": latest,
            "job": job,
            "result_template": RESULT_TEMPLATES.get("pairings.match", ""),
            "ancestors": ancestors,
            "query": _query(org, scheme),
        },
    )


@login_required
@out_of_scope_is_404
@require_POST
def scheme_create(request):
    org = org_unit_get(actor=request.user, code=request.POST.get("org", "").strip()[:32])
    try:
        scheme = services.scheme_create(
            actor=request.user,
            org_unit=org,
            name=request.POST.get("name", "").strip()[:100],
            capacity_per_official=int(request.POST.get("capacity_per_official") or 0),
            visit_frequency=request.POST.get("visit_frequency", ""),
            cross_county=request.POST.get("cross_county") == "1",
        )
    except OutOfScope:
        raise
    except (DomainError, ValidationError, ValueError) as exc:
        messages.error(request, _("未能创建结对方案：%(e)s") % {"e": _error_text(exc)})
        return redirect(f"{reverse('pairings:index')}?{_query(org, None)}")
    messages.success(request, _("已创建结对方案“%(name)s”") % {"name": scheme.name})
    return redirect(f"{reverse('pairings:index')}?{_query(org, scheme)}")


@login_required
@out_of_scope_is_404
@require_POST
def match_start(request):
    org, scheme = _org_and_scheme(request, request.POST)
    if scheme is None:
        messages.error(request, _("请先创建结对方案"))
        return redirect(f"{reverse('pairings:index')}?{_query(org, None)}")
    try:
        job = services.match_start(actor=request.user, scheme=scheme, org=org)
    except OutOfScope:
        raise
    except DomainError as exc:
        if request.htmx:
            # htmx swaps only successful answers: the refusal is shown where the progress bar would be.
            return HttpResponse(f'<div class="error" role="alert">{escape(exc.message)}</div>')
        messages.error(request, exc.message)
        return redirect(f"{reverse('pairings:index')}?{_query(org, scheme)}")
    if request.htmx:
        job.refresh_from_db()
        return render(request, "core/_job.html", {"job": job, "result_template": RESULT_TEMPLATES[job.kind]})
    return redirect(f"{reverse('pairings:index')}?{_query(org, scheme, job=job.pk)}")


def _proposals(request, org, scheme):
    return selectors.pairings_for(actor=request.user, org=org, scheme=scheme, status=PairingStatus.PROPOSED)


@login_required
@out_of_scope_is_404
def proposals(request):
    """Proposals to review: totals per township, then one township's proposals with their reasons."""
    org, scheme = _org_and_scheme(request)
    if scheme is None:
        raise Http404("未找到")
    township = None
    if request.GET.get("township"):
        township = org_unit_get(actor=request.user, code=request.GET["township"].strip()[:32])
        if not township.path.startswith(org.path):
            raise Http404("未找到")
    qs = _proposals(request, org, scheme)
    mismatch = Q(shared_languages="") & ~Q(household__languages="")
    context = {
        "org": org,
        "scheme": scheme,
        "township": township,
        "query": _query(org, scheme),
        "can_manage": selectors.is_office_for(request.user, org),
        "latest": selectors.match_runs_for(actor=request.user, org=org, scheme=scheme).first(),
    }
    if township is None:
        groups = list(
            selectors.proposals_in(org=org, scheme=scheme)
            .values("household__village__parent__code", "household__village__parent__name")
            .annotate(
                n=Count("id"),
                km=Sum("distance_km"),
                avg_km=Avg("distance_km"),
                mismatches=Count("id", filter=mismatch),
                officials=Count("official_id", distinct=True),
            )
            .order_by("household__village__parent__code")
        )
        context["groups"] = groups
        context["totals"] = {
            "n": sum(g["n"] for g in groups),
            "km": sum(g["km"] or 0 for g in groups),
            "mismatches": sum(g["mismatches"] for g in groups),
        }
        return render(request, "pairings/proposals.html", context)
    qs = qs.filter(household__village__path__startswith=township.path).order_by("household__village__path", "pk")
    paginator = Paginator(qs.select_related("official__unit", "household__village"), 100)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("页码超出范围") from exc
    context["page"] = page
    context["page_query"] = _query(org, scheme, township=township.code)
    return render(request, "pairings/proposals.html", context)


@login_required
@out_of_scope_is_404
@require_POST
def proposals_accept(request):
    """Accept all proposals of the scope (or a township), or the selected ones, after a confirmation."""
    org, scheme = _org_and_scheme(request, request.POST)
    if scheme is None:
        raise Http404("未找到")
    township = None
    if request.POST.get("township"):
        township = org_unit_get(actor=request.user, code=request.POST["township"].strip()[:32])
        if not township.path.startswith(org.path):
            raise Http404("未找到")
    back = f"{reverse('pairings:proposals')}?{_query(org, scheme, township=township.code if township else '')}"
    try:
        services.ensure_office(request.user, org)
    except OutOfScope:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    ids = None
    if request.POST.get("all") != "1":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        if not ids:
            messages.error(request, _("请先勾选要接受的结对建议"))
            return redirect(back)
    if request.POST.get("confirmed") != "1":
        qs = _proposals(request, org, scheme)
        if township is not None:
            qs = qs.filter(household__village__path__startswith=township.path)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return render(
            request,
            "pairings/accept_confirm.html",
            {
                "org": org,
                "scheme": scheme,
                "township": township,
                "ids": ids,
                "count": qs.count(),
                "back": back,
            },
        )
    result = services.proposals_accept(actor=request.user, org=org, scheme=scheme, ids=ids, township=township)
    text = _("已接受 %(n)s 条结对建议。") % {"n": result["accepted"]}
    if result["skipped"]:
        labels = SKIP_LABELS
        text += _("未接受：") + "，".join(f"{labels.get(k, k)} {v}" for k, v in result["skipped"].items())
    messages.success(request, text)
    return redirect(back)


SKIP_LABELS = {
    "no_consent": "家庭未同意或已撤回同意",
    "already_paired": "家庭已有结对",
    "official_inactive": "公职人员已不在岗",
    "capacity": "公职人员结对户数已满",
}


@login_required
@out_of_scope_is_404
def household_search(request):
    """Search a household to see its official (an htmx fragment on the pairing page)."""
    org = org_unit_get(actor=request.user, code=request.GET["org"].strip()[:32]) if request.GET.get("org") else None
    q = request.GET.get("q", "").strip()[:50]
    results = selectors.household_search(actor=request.user, org=org, q=q) if q else []
    return render(request, "pairings/_search.html", {"results": results, "q": q})


@login_required
@out_of_scope_is_404
def mine(request):
    """我的结对家庭: the official's own families."""
    if request.user.official_id is None:
        raise Http404("未找到")
    pairings = list(selectors.my_pairings(request.user))
    return render(request, "pairings/mine.html", {"pairings": pairings, "official": request.user.official})


@login_required
@out_of_scope_is_404
def mine_detail(request, pk: int):
    """One of the official's families: contact details and the pairing's history."""
    pairing = get_object_or_404(selectors.my_pairings(request.user), pk=pk)
    household = pairing.household
    audit(request.user, "household.view", household, detail={"via": "my_families"})
    history = Pairing.objects.filter(household=household, official_id=request.user.official_id).exclude(
        status=PairingStatus.PROPOSED
    )
    return render(
        request,
        "pairings/mine_detail.html",
        {"pairing": pairing, "household": household, "history": history.select_related("scheme")},
    )


@login_required
@out_of_scope_is_404
def official_pairings(request, pk: int):
    """An official's families and history, with handover when they leave or move (office)."""
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=pk)
    pairings = (
        selectors.pairings_for(actor=request.user)
        .filter(official=official)
        .order_by("status", "-started_on", "-pk")
        .select_related("household__village")
    )
    return render(
        request,
        "pairings/official.html",
        {
            "official": official,
            "pairings": pairings,
            "can_manage": selectors.is_office_for(request.user, official.unit),
        },
    )


def _ensure_confirmed(request) -> None:
    if request.POST.get("confirm") != "1":
        raise DomainError(_("请先勾选确认"))


def _handover_redirect(request, official, runs):
    proposed = sum(r.summary.get("proposed", 0) for r in runs)
    messages.success(request, _("已结束该公职人员的结对，并为 %(n)s 户家庭生成了新的结对建议。") % {"n": proposed})
    if runs:
        run = runs[0]
        return redirect(f"{reverse('pairings:proposals')}?{_query(run.org_unit, run.scheme)}")
    return redirect("pairings:official", pk=official.pk)


@login_required
@out_of_scope_is_404
@require_POST
def official_deactivate(request, pk: int):
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=pk)
    try:
        _ensure_confirmed(request)
        runs = people_services.official_deactivate(actor=request.user, official=official)
    except OutOfScope:
        raise
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("pairings:official", pk=official.pk)
    return _handover_redirect(request, official, runs)


@login_required
@out_of_scope_is_404
@require_POST
def official_transfer(request, pk: int):
    official = get_scoped_or_404(Official.objects.select_related("unit"), request.user, pk=pk)
    unit = org_unit_get(actor=request.user, code=request.POST.get("unit", "").strip()[:32])
    try:
        _ensure_confirmed(request)
        runs = people_services.official_transfer(actor=request.user, official=official, unit=unit)
    except OutOfScope:
        raise
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("pairings:official", pk=official.pk)
    return _handover_redirect(request, official, runs)


@login_required
@out_of_scope_is_404
@require_POST
def household_withdraw(request, pk: int):
    """Record that a family withdrew its consent; its pairings end."""
    household = get_scoped_or_404(Household.objects.select_related("village"), request.user, pk=pk)
    try:
        _ensure_confirmed(request)
        people_services.household_withdraw_consent(actor=request.user, household=household)
    except OutOfScope:
        raise
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已登记撤回同意，该家庭的结对已结束。"))
    return redirect("people:household_detail", pk=household.pk)
