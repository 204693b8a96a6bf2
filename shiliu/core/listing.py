"""Shared list plumbing for pages and exports: search, org filter, sort whitelist, pagination."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404

PAGE_SIZES = (20, 50, 100)


@dataclass
class ListParams:
    q: str
    org: str
    sort: str
    page: int
    page_size: int


def list_params(request, *, sorts: dict[str, str], default_sort: str) -> ListParams:
    get = request.GET
    sort = get.get("sort", default_sort)
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    try:
        page = max(1, int(get.get("page", 1)))
    except ValueError:
        page = 1
    try:
        page_size = int(get.get("page_size", 50))
    except ValueError:
        page_size = 50
    if page_size not in PAGE_SIZES:
        page_size = 50
    return ListParams(
        q=get.get("q", "").strip()[:50], org=get.get("org", "").strip()[:32], sort=sort, page=page, page_size=page_size
    )


def order_by_param(qs: QuerySet, sort: str, sorts: dict[str, str | tuple[str, ...]]) -> QuerySet:
    """Order by the whitelisted field (or fields) for ``sort``, "-" for descending, then by pk."""
    prefix = "-" if sort.startswith("-") else ""
    fields = sorts[sort.lstrip("-")]
    fields = (fields,) if isinstance(fields, str) else fields
    return qs.order_by(*(prefix + f for f in (*fields, "pk")))


def paginate(qs: QuerySet, params: ListParams):
    paginator = Paginator(qs, params.page_size)
    if params.page > paginator.num_pages:
        raise Http404("页码超出范围")
    return paginator.page(params.page)
