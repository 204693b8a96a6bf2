"""Official and household pages: thin, every read through a scoped selector."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from shiliu.core.audit import audit
from shiliu.core.exports import write_xlsx, xlsx_response
from shiliu.core.listing import list_params, order_by_param, paginate
from shiliu.core.scoping import get_scoped_or_404
from shiliu.orgs.selectors import org_unit_get
from shiliu.people.models import Household, Official, mask_id, mask_phone
from shiliu.people.selectors import (
    HOUSEHOLD_DEFAULT_SORT,
    HOUSEHOLD_SORTS,
    OFFICIAL_DEFAULT_SORT,
    OFFICIAL_SORTS,
    households_for,
    officials_for,
)

EXPORT_LIMIT = 300_000


def _list_page(
    request, *, kind: str, selector, sorts: dict, default_sort: str, export_row, export_headers, template: str
):
    params = list_params(request, sorts=sorts, default_sort=default_sort)
    org = org_unit_get(actor=request.user, code=params.org) if params.org else None
    qs = order_by_param(selector(actor=request.user, org=org, q=params.q), params.sort, sorts)
    if request.GET.get("export") == "xlsx":
        rows = (export_row(obj) for obj in qs[:EXPORT_LIMIT].iterator(chunk_size=2000))
        content = write_xlsx(export_headers, rows, sheet_title=kind)
        audit(request.user, f"{kind}.export", detail={"org": params.org, "q": params.q})
        return xlsx_response(content, f"{kind}.xlsx")
    page = paginate(qs, params)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "page": page,
            "params": params,
            "org": org,
            "query": query.urlencode(),
            "sort_query": _without(request, "sort", "page"),
        },
    )


def _without(request, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@login_required
def household_list(request):
    return _list_page(
        request,
        kind="households",
        selector=households_for,
        sorts=HOUSEHOLD_SORTS,
        default_sort=HOUSEHOLD_DEFAULT_SORT,
        template="people/household_list.html",
        export_headers=[
            _("户编号"),
            _("户主姓名"),
            _("所在村(社区)"),
            _("家庭人口"),
            _("使用语言"),
            _("联系电话"),
            _("防返贫监测状态"),
            _("同意结对日期"),
        ],
        export_row=lambda h: [
            h.code,
            h.head_name,
            h.village.name,
            h.members,
            h.language_labels(),
            mask_phone(h.phone),
            h.get_livelihood_display(),
            h.consent_given_on,
        ],
    )


@login_required
def household_detail(request, pk: int):
    household = get_scoped_or_404(Household.objects.all(), request.user, pk=pk)
    reveal = request.GET.get("reveal") == "1"
    audit(request.user, "household.view", household, detail={"reveal": reveal})
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "reveal": reveal,
            "phone": household.phone if reveal else mask_phone(household.phone),
            "id_number": household.head_id_number if reveal else mask_id(household.head_id_number),
            "village_chain": [*household.village.ancestors(), household.village],
        },
    )


@login_required
def official_list(request):
    return _list_page(
        request,
        kind="officials",
        selector=officials_for,
        sorts=OFFICIAL_SORTS,
        default_sort=OFFICIAL_DEFAULT_SORT,
        template="people/official_list.html",
        export_headers=[_("工号"), _("姓名"), _("所在单位"), _("手机号"), _("使用语言"), _("可结对户数"), _("在岗")],
        export_row=lambda o: [
            o.code,
            o.name,
            o.unit.name,
            mask_phone(o.phone),
            o.language_labels(),
            o.capacity,
            _("是") if o.active else _("否"),
        ],
    )


@login_required
def official_detail(request, pk: int):
    official = get_scoped_or_404(Official.objects.all(), request.user, pk=pk)
    reveal = request.GET.get("reveal") == "1"
    audit(request.user, "official.view", official, detail={"reveal": reveal})
    return render(
        request,
        "people/official_detail.html",
        {
            "official": official,
            "reveal": reveal,
            "phone": official.phone if reveal else mask_phone(official.phone),
        },
    )
